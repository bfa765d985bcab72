-- Hosts a tenant's tools run on, the cached tool list per host, and the state of the built-in demo hosts.
-- Every table carries tenant_id, and every query filters on it.

-- One row per host; id is the namespace its tools appear under (`id.tool`).
CREATE TABLE hosts (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('demo', 'mcp')),
  label TEXT NOT NULL,
  -- the upstream MCP endpoint (Streamable HTTP); NULL for demo hosts
  url TEXT,
  -- the NAME of a Worker secret whose value is sent as the auth header; never the value itself
  auth_secret TEXT,
  auth_header TEXT NOT NULL DEFAULT 'Authorization',
  timeout_ms INTEGER NOT NULL DEFAULT 10000,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- The last tool list fetched from each upstream host. A failed refresh keeps the tools and records the error.
CREATE TABLE tool_catalog (
  tenant_id TEXT NOT NULL,
  host_id TEXT NOT NULL,
  -- JSON ToolDescriptor[] (src/hosts/host.ts)
  tools TEXT NOT NULL DEFAULT '[]',
  -- the last successful fetch; NULL when the host never answered
  fetched_at TEXT,
  -- the last attempt, successful or not; the refresh schedule reads this
  checked_at TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (tenant_id, host_id)
);

-- Demo host state. Sample rows are seeded per tenant when demo hosts are enabled.
CREATE TABLE demo_customers (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  -- the total that may ever be refunded to this customer
  refundable_cents INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE demo_refunds (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  reason TEXT NOT NULL,
  invocation_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX demo_refunds_by_customer ON demo_refunds (tenant_id, customer_id);

CREATE TABLE demo_technicians (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  region TEXT NOT NULL,
  -- JSON array of skills
  skills TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE demo_appointments (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  technician_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  duration_minutes INTEGER NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
  cancel_reason TEXT,
  invocation_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE demo_contacts (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  notes TEXT NOT NULL DEFAULT '',
  -- soft delete, so that re-seeding never brings a deleted contact back
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id)
);
