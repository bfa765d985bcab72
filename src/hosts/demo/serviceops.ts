import { z } from "zod";
import { demoTool, toolData, toolError, type DemoHostDefinition } from "./demo-tool";

interface Appointment {
  id: string;
  technician_id: string;
  customer_id: string;
  starts_at: string;
  duration_minutes: number;
  notes: string;
  status: "scheduled" | "cancelled";
  cancel_reason: string | null;
  invocation_id: string;
}

const APPOINTMENT_COLUMNS =
  "id, technician_id, customer_id, starts_at, duration_minutes, notes, status, cancel_reason, invocation_id";

function overlaps(
  a: { starts_at: string; duration_minutes: number },
  b: { starts_at: string; duration_minutes: number },
) {
  const aStart = Date.parse(a.starts_at);
  const bStart = Date.parse(b.starts_at);
  return aStart < bStart + b.duration_minutes * 60_000 && bStart < aStart + a.duration_minutes * 60_000;
}

const listTechnicians = demoTool({
  name: "list_technicians",
  title: "List technicians",
  description: "List field technicians with their region, skills and scheduled appointments.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({
    region: z.string().min(1).max(64).optional().describe("Only technicians working in this region, e.g. north"),
    skill: z.string().min(1).max(64).optional().describe("Only technicians with this skill, e.g. hvac"),
  }),
  async run({ region, skill }, ctx) {
    const [technicians, appointments] = await ctx.db.batch([
      ctx.db
        .prepare("SELECT id, name, region, skills FROM demo_technicians WHERE tenant_id = ? ORDER BY id")
        .bind(ctx.tenant_id),
      ctx.db
        .prepare(
          `SELECT ${APPOINTMENT_COLUMNS} FROM demo_appointments WHERE tenant_id = ? AND status = 'scheduled' ORDER BY starts_at, id`,
        )
        .bind(ctx.tenant_id),
    ]);
    const booked = (appointments?.results ?? []) as unknown as Appointment[];
    const rows = (technicians?.results ?? []) as { id: string; name: string; region: string; skills: string }[];
    const list = rows
      .map((t) => ({ id: t.id, name: t.name, region: t.region, skills: JSON.parse(t.skills) as string[] }))
      .filter((t) => (region === undefined || t.region === region) && (skill === undefined || t.skills.includes(skill)))
      .map((t) => ({
        ...t,
        appointments: booked
          .filter((a) => a.technician_id === t.id)
          .map((a) => ({ id: a.id, starts_at: a.starts_at, duration_minutes: a.duration_minutes })),
      }));
    return toolData({ technicians: list });
  },
});

const scheduleTechnician = demoTool({
  name: "schedule_technician",
  title: "Schedule technician",
  description: "Book a technician for a customer visit. Fails when the technician is already booked at that time.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  args: z.strictObject({
    technician_id: z.string().min(1).max(64).describe("The technician's id, e.g. tech_001"),
    customer_id: z.string().min(1).max(64).describe("The customer's id, e.g. cus_001"),
    starts_at: z.iso.datetime({ offset: true }).describe("When the visit starts (ISO-8601 date-time)"),
    duration_minutes: z.number().int().min(15).max(480).describe("How long the visit lasts, in minutes (15 to 480)"),
    notes: z.string().max(1000).optional().describe("What the technician should know before arriving"),
  }),
  async run(args, ctx) {
    const [technician, customer, booked] = await ctx.db.batch([
      ctx.db
        .prepare("SELECT id FROM demo_technicians WHERE tenant_id = ? AND id = ?")
        .bind(ctx.tenant_id, args.technician_id),
      ctx.db
        .prepare("SELECT id FROM demo_customers WHERE tenant_id = ? AND id = ?")
        .bind(ctx.tenant_id, args.customer_id),
      ctx.db
        .prepare(
          `SELECT ${APPOINTMENT_COLUMNS} FROM demo_appointments WHERE tenant_id = ? AND technician_id = ? AND status = 'scheduled'`,
        )
        .bind(ctx.tenant_id, args.technician_id),
    ]);
    if (!technician?.results.length) return toolError(`No technician with id ${args.technician_id}.`);
    if (!customer?.results.length) return toolError(`No customer with id ${args.customer_id}.`);
    const clash = ((booked?.results ?? []) as unknown as Appointment[]).find((a) => overlaps(a, args));
    if (clash) return toolError(`Technician ${args.technician_id} is already booked then (appointment ${clash.id}).`);
    const appointment = await ctx.db
      .prepare(
        `INSERT INTO demo_appointments (tenant_id, id, technician_id, customer_id, starts_at, duration_minutes, notes, invocation_id)
         SELECT ?1, 'apt_' || printf('%04d', (SELECT COUNT(*) + 1 FROM demo_appointments WHERE tenant_id = ?1)), ?2, ?3, ?4, ?5, ?6, ?7
         RETURNING ${APPOINTMENT_COLUMNS}`,
      )
      .bind(
        ctx.tenant_id,
        args.technician_id,
        args.customer_id,
        args.starts_at,
        args.duration_minutes,
        args.notes ?? "",
        ctx.invocation_id,
      )
      .first<Appointment>();
    return appointment
      ? toolData({ appointment: { ...appointment } })
      : toolError("The appointment could not be stored.");
  },
});

const cancelAppointment = demoTool({
  name: "cancel_appointment",
  title: "Cancel appointment",
  description: "Cancel a scheduled visit. The customer is told and the technician's slot is freed.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({
    appointment_id: z.string().min(1).max(64).describe("The appointment's id, e.g. apt_0001"),
    reason: z.string().min(1).max(500).describe("Why the visit is cancelled, shown to the customer"),
  }),
  async run({ appointment_id, reason }, ctx) {
    const appointment = await ctx.db
      .prepare(
        `UPDATE demo_appointments SET status = 'cancelled', cancel_reason = COALESCE(cancel_reason, ?3)
         WHERE tenant_id = ?1 AND id = ?2 RETURNING ${APPOINTMENT_COLUMNS}`,
      )
      .bind(ctx.tenant_id, appointment_id, reason)
      .first<Appointment>();
    return appointment
      ? toolData({ appointment: { ...appointment } })
      : toolError(`No appointment with id ${appointment_id}.`);
  },
});

/** ServiceOps (demo host): field technicians and the customer visits they are booked for. */
export const serviceOpsHost: DemoHostDefinition = {
  id: "serviceops",
  label: "ServiceOps (demo host)",
  tools: [scheduleTechnician, listTechnicians, cancelAppointment],
};
