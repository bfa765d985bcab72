import { z } from "zod";
import { demoTool, toolData, toolError, type DemoHostDefinition } from "./demo-tool";

const ContactId = z.string().min(1).max(64).describe("The contact's id, e.g. con_001");
const CONTACT_COLUMNS = "id, name, email, phone, notes";

interface Contact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  notes: string;
}

const getContact = demoTool({
  name: "get_contact",
  title: "Get contact",
  description: "Read a contact's name, email, phone and notes.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({ contact_id: ContactId }),
  async run({ contact_id }, ctx) {
    const contact = await ctx.db
      .prepare(`SELECT ${CONTACT_COLUMNS} FROM demo_contacts WHERE tenant_id = ? AND id = ? AND deleted = 0`)
      .bind(ctx.tenant_id, contact_id)
      .first<Contact>();
    return contact ? toolData({ contact: { ...contact } }) : toolError(`No contact with id ${contact_id}.`);
  },
});

const updateContact = demoTool({
  name: "update_contact",
  title: "Update contact",
  description: "Change some of a contact's fields; fields left out keep their value.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({
    contact_id: ContactId,
    fields: z
      .strictObject({
        name: z.string().min(1).max(200).optional().describe("The contact's full name"),
        email: z.email().optional().describe("The contact's email address"),
        phone: z.string().min(3).max(40).optional().describe("The contact's phone number"),
        notes: z.string().max(2000).optional().describe("Free-text notes about the contact"),
      })
      .refine((fields) => Object.keys(fields).length > 0, "name at least one field to change")
      .describe("The fields to change"),
  }),
  async run({ contact_id, fields }, ctx) {
    const contact = await ctx.db
      .prepare(
        `UPDATE demo_contacts SET name = COALESCE(?3, name), email = COALESCE(?4, email), phone = COALESCE(?5, phone),
           notes = COALESCE(?6, notes)
         WHERE tenant_id = ?1 AND id = ?2 AND deleted = 0 RETURNING ${CONTACT_COLUMNS}`,
      )
      .bind(
        ctx.tenant_id,
        contact_id,
        fields.name ?? null,
        fields.email ?? null,
        fields.phone ?? null,
        fields.notes ?? null,
      )
      .first<Contact>();
    return contact
      ? toolData({ contact: { ...contact }, updated_fields: Object.keys(fields).sort() })
      : toolError(`No contact with id ${contact_id}.`);
  },
});

const deleteContact = demoTool({
  name: "delete_contact",
  title: "Delete contact",
  description: "Delete a contact. It can no longer be read or updated.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  args: z.strictObject({ contact_id: ContactId }),
  async run({ contact_id }, ctx) {
    const contact = await ctx.db
      .prepare(
        `UPDATE demo_contacts SET deleted = 1 WHERE tenant_id = ? AND id = ? AND deleted = 0 RETURNING ${CONTACT_COLUMNS}`,
      )
      .bind(ctx.tenant_id, contact_id)
      .first<Contact>();
    return contact
      ? toolData({ deleted: { id: contact.id, name: contact.name } })
      : toolError(`No contact with id ${contact_id}.`);
  },
});

/** CRM (demo host): contacts that can be read, changed and deleted. */
export const crmHost: DemoHostDefinition = {
  id: "crm",
  label: "CRM (demo host)",
  tools: [getContact, updateContact, deleteContact],
};
