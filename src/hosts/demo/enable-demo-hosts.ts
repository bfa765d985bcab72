import {
  seedDemoContactStatement,
  seedDemoCustomerStatement,
  seedDemoTechnicianStatement,
  upsertHostStatement,
} from "../../db/hosts";
import { DEFAULT_TIMEOUT_MS } from "../host-config";
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
  const customers = SAMPLE_CUSTOMERS.map((customer) => seedDemoCustomerStatement(db, tenant_id, customer));
  const technicians = SAMPLE_TECHNICIANS.map((technician) => seedDemoTechnicianStatement(db, tenant_id, technician));
  const contacts = SAMPLE_CONTACTS.map((contact) => seedDemoContactStatement(db, tenant_id, contact));
  await db.batch([...hosts, ...customers, ...technicians, ...contacts]);
}
