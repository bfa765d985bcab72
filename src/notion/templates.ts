import type { CreateDatabaseParameters } from "@notionhq/client";
import { z } from "zod";
import agents from "../../notion-templates/agents.json";
import approvals from "../../notion-templates/approvals.json";
import digests from "../../notion-templates/digests.json";
import goldenTasks from "../../notion-templates/golden-tasks.json";
import incidents from "../../notion-templates/incidents.json";
import policies from "../../notion-templates/policies.json";
import releases from "../../notion-templates/releases.json";
import runbooks from "../../notion-templates/runbooks.json";
import tools from "../../notion-templates/tools.json";

/** Notion's property configuration for creating a data source (from @notionhq/client's own types). */
export type NotionPropertyConfig = NonNullable<
  NonNullable<CreateDatabaseParameters["initial_data_source"]>["properties"]
>[string];

const description = z.string().min(1).max(280).describe("One line shown in Notion under the property");
const options = z.array(z.string().min(1).max(100)).max(100);

/** One property of a database template. */
export const templatePropertySchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("title"), description }),
  z.strictObject({ type: z.literal("rich_text"), description }),
  z.strictObject({ type: z.literal("number"), description }),
  z.strictObject({ type: z.literal("date"), description }),
  z.strictObject({ type: z.literal("people"), description }),
  z.strictObject({ type: z.literal("checkbox"), description }),
  z.strictObject({ type: z.literal("select"), options: options.min(1), description }),
  z.strictObject({ type: z.literal("multi_select"), options, description }),
  z.strictObject({ type: z.literal("relation"), database: z.string().min(1), description }),
]);

/** A database template: `notion-templates/<name>.json`. */
export const databaseTemplateSchema = z
  .strictObject({
    title: z.string().min(1).max(100),
    description: z.string().min(1).max(2000),
    properties: z.record(z.string().min(1).max(100), templatePropertySchema),
    sample_rows: z.array(z.record(z.string(), z.unknown())),
  })
  .refine((t) => Object.values(t.properties).filter((p) => p.type === "title").length === 1, {
    message: "a database has exactly one title property",
  });

/** A parsed database template. */
export type DatabaseTemplate = z.infer<typeof databaseTemplateSchema>;
/** One parsed template property. */
export type TemplateProperty = z.infer<typeof templatePropertySchema>;

/**
 * The databases Policy OS works with, parsed, in an order where every relation's target comes before the
 * database that points at it (the order setup creates them in).
 */
export const TEMPLATES: readonly DatabaseTemplate[] = inCreationOrder(
  [policies, agents, runbooks, tools, approvals, digests, incidents, releases, goldenTasks].map((raw) =>
    databaseTemplateSchema.parse(raw),
  ),
);

function inCreationOrder(templates: DatabaseTemplate[]): DatabaseTemplate[] {
  const byTitle = new Map(templates.map((t) => [t.title, t]));
  const ordered: DatabaseTemplate[] = [];
  const visit = (template: DatabaseTemplate, path: string[]) => {
    if (ordered.includes(template)) return;
    if (path.includes(template.title))
      throw new Error(`relations form a cycle: ${[...path, template.title].join(" → ")}`);
    for (const property of Object.values(template.properties)) {
      if (property.type !== "relation") continue;
      const target = byTitle.get(property.database);
      if (!target) throw new Error(`${template.title} relates to unknown database "${property.database}"`);
      visit(target, [...path, template.title]);
    }
    ordered.push(template);
  };
  for (const template of templates) visit(template, []);
  return ordered;
}

/**
 * The `initial_data_source.properties` that create a template's database. Relations need the data source id of
 * their target database, which must already exist.
 */
export function notionProperties(
  template: DatabaseTemplate,
  dataSourceIds: Readonly<Record<string, string>>,
): Record<string, NotionPropertyConfig> {
  const out: Record<string, NotionPropertyConfig> = {};
  for (const [name, property] of Object.entries(template.properties)) {
    out[name] = { description: property.description, ...configFor(template.title, property, dataSourceIds) };
  }
  return out;
}

function configFor(
  database: string,
  property: TemplateProperty,
  dataSourceIds: Readonly<Record<string, string>>,
): NotionPropertyConfig {
  switch (property.type) {
    case "title":
      return { type: "title", title: {} };
    case "rich_text":
      return { type: "rich_text", rich_text: {} };
    case "number":
      return { type: "number", number: { format: "number" } };
    case "date":
      return { type: "date", date: {} };
    case "people":
      return { type: "people", people: {} };
    case "checkbox":
      return { type: "checkbox", checkbox: {} };
    case "select":
      return { type: "select", select: { options: property.options.map((name) => ({ name })) } };
    case "multi_select":
      return { type: "multi_select", multi_select: { options: property.options.map((name) => ({ name })) } };
    case "relation": {
      const data_source_id = dataSourceIds[property.database];
      if (!data_source_id) throw new Error(`${database} needs the ${property.database} database to exist first`);
      return { type: "relation", relation: { data_source_id, type: "single_property", single_property: {} } };
    }
  }
}
