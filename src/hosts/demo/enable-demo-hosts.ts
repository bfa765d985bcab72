import { DEFAULT_TIMEOUT_MS } from "../host-config";
import { upsertHostStatement } from "../host-store";
import { DEMO_HOSTS } from "./demo-hosts";
import { SAMPLE_CONTACTS, SAMPLE_CUSTOMERS, SAMPLE_TECHNICIANS } from "./sample-data";

/**
 * Register the three demo hosts for a tenant and seed their sample data. Idempotent: existing rows, including
 * refunds made and contacts deleted since, are left as they are.
 */
export async function enableDemoHosts(db: D1Database, tenant_id: string, at = new Date().toISOString()): Promise<void> {
  const hosts = DEMO_HOSTS.map((definition) =>
    upsertHostStatement(db, {
      tenant_id,
      id: definition.id,
      kind: "demo",
      label: definition.label,
      url: null,
      auth_secret: null,
      auth_header: "Authorization",
      timeout_ms: DEFAULT_TIMEOUT_MS,
      created_at: at,
    }),
  );
  const customers = SAMPLE_CUSTOMERS.map((c) =>
    db
      .prepare(
        "INSERT OR IGNORE INTO demo_customers (tenant_id, id, name, email, refundable_cents) VALUES (?, ?, ?, ?, ?)",
      )
      .bind(tenant_id, c.id, c.name, c.email, c.refundable_cents),
  );
  const technicians = SAMPLE_TECHNICIANS.map((t) =>
    db
      .prepare("INSERT OR IGNORE INTO demo_technicians (tenant_id, id, name, region, skills) VALUES (?, ?, ?, ?, ?)")
      .bind(tenant_id, t.id, t.name, t.region, JSON.stringify(t.skills)),
  );
  const contacts = SAMPLE_CONTACTS.map((c) =>
    db
      .prepare(
        "INSERT OR IGNORE INTO demo_contacts (tenant_id, id, name, email, phone, notes) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .bind(tenant_id, c.id, c.name, c.email, c.phone, c.notes),
  );
  await db.batch([...hosts, ...customers, ...technicians, ...contacts]);
}
