/**
 * The named D1 statements of a tenant's hosts (`hosts`), their stored tool lists (`tool_catalog`), and the demo
 * hosts' sample rows. Rows come back as stored; src/hosts parses them.
 */

/** A `hosts` row: how a tenant reaches one host. `auth_secret` names a Worker secret; it never holds a value. */
export interface HostRow {
  tenant_id: string;
  id: string;
  kind: string;
  label: string;
  url: string | null;
  auth_secret: string | null;
  auth_header: string;
  timeout_ms: number;
  /** JSON circuit-breaker settings where they differ from the defaults; null or absent: the defaults. */
  circuit?: string | null;
  created_at: string;
}

/** A `tool_catalog` row as D1 returns it, `tools` still JSON text. */
export interface StoredCatalogRow {
  host_id: string;
  tools: string;
  fetched_at: string | null;
  checked_at: string;
  error: string | null;
}

/** A demo customer of the payments host (`demo_customers`). */
export interface DemoCustomerRow {
  id: string;
  name: string;
  email: string;
  refundable_cents: number;
}

/** A demo technician of the ServiceOps host (`demo_technicians`). */
export interface DemoTechnicianRow {
  id: string;
  name: string;
  region: string;
  skills: readonly string[];
}

/** A demo contact of the CRM host (`demo_contacts`). */
export interface DemoContactRow {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  notes: string;
}

/** Every `hosts` row of a tenant, by id, unparsed. */
export async function selectHostRows(db: D1Database, tenant_id: string): Promise<Record<string, unknown>[]> {
  const { results } = await db
    .prepare(
      "SELECT tenant_id, id, kind, label, url, auth_secret, auth_header, timeout_ms, circuit, created_at FROM hosts WHERE tenant_id = ? ORDER BY id",
    )
    .bind(tenant_id)
    .all();
  return results;
}

/** Every `tool_catalog` row of a tenant. */
export async function selectCatalogRows(db: D1Database, tenant_id: string): Promise<StoredCatalogRow[]> {
  const { results } = await db
    .prepare("SELECT host_id, tools, fetched_at, checked_at, error FROM tool_catalog WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<StoredCatalogRow>();
  return results;
}

/** Insert or replace a host's configuration. */
export function upsertHostStatement(db: D1Database, host: HostRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO hosts (tenant_id, id, kind, label, url, auth_secret, auth_header, timeout_ms, circuit, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, id) DO UPDATE SET kind = excluded.kind, label = excluded.label, url = excluded.url,
         auth_secret = excluded.auth_secret, auth_header = excluded.auth_header, timeout_ms = excluded.timeout_ms,
         circuit = excluded.circuit`,
    )
    .bind(
      host.tenant_id,
      host.id,
      host.kind,
      host.label,
      host.url,
      host.auth_secret,
      host.auth_header,
      host.timeout_ms,
      host.circuit ?? null,
      host.created_at,
    );
}

/** Record a successful fetch of a host's tools (stored as JSON text). */
export function saveToolsStatement(
  db: D1Database,
  tenant_id: string,
  host_id: string,
  tools: readonly unknown[],
  at: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_catalog (tenant_id, host_id, tools, fetched_at, checked_at, error) VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET tools = excluded.tools, fetched_at = excluded.fetched_at,
         checked_at = excluded.checked_at, error = NULL`,
    )
    .bind(tenant_id, host_id, JSON.stringify(tools), at, at);
}

/** Record a failed fetch: the last good tools stay. */
export function saveFetchErrorStatement(
  db: D1Database,
  tenant_id: string,
  host_id: string,
  error: string,
  at: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_catalog (tenant_id, host_id, tools, fetched_at, checked_at, error) VALUES (?, ?, '[]', NULL, ?, ?)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error`,
    )
    .bind(tenant_id, host_id, at, error);
}

/** Delete a host and its stored tools; resolves to whether the host existed. */
export async function deleteHost(db: D1Database, tenant_id: string, host_id: string): Promise<boolean> {
  const [removed] = await db.batch([
    db.prepare("DELETE FROM hosts WHERE tenant_id = ? AND id = ?").bind(tenant_id, host_id),
    db.prepare("DELETE FROM tool_catalog WHERE tenant_id = ? AND host_id = ?").bind(tenant_id, host_id),
  ]);
  return (removed?.meta.changes ?? 0) > 0;
}

/** Insert a demo customer unless the tenant already has one with its id (refunds made since stay). */
export function seedDemoCustomerStatement(
  db: D1Database,
  tenant_id: string,
  customer: DemoCustomerRow,
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT OR IGNORE INTO demo_customers (tenant_id, id, name, email, refundable_cents) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(tenant_id, customer.id, customer.name, customer.email, customer.refundable_cents);
}

/** Insert a demo technician unless the tenant already has one with its id (skills stored as JSON text). */
export function seedDemoTechnicianStatement(
  db: D1Database,
  tenant_id: string,
  technician: DemoTechnicianRow,
): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO demo_technicians (tenant_id, id, name, region, skills) VALUES (?, ?, ?, ?, ?)")
    .bind(tenant_id, technician.id, technician.name, technician.region, JSON.stringify(technician.skills));
}

/** Insert a demo contact unless the tenant already has one with its id (a contact deleted since stays deleted). */
export function seedDemoContactStatement(
  db: D1Database,
  tenant_id: string,
  contact: DemoContactRow,
): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO demo_contacts (tenant_id, id, name, email, phone, notes) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(tenant_id, contact.id, contact.name, contact.email, contact.phone, contact.notes);
}
