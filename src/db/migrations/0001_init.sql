-- Core tables: tenants, agents and their keys, policy snapshots, escalations, the operational audit log.
-- Every table that holds tenant data carries tenant_id, and every query filters on it.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- JSON DefaultPosture (src/policy/types.ts)
  default_posture TEXT NOT NULL,
  -- JSON array of people who may approve when a policy names none
  default_approvers TEXT NOT NULL DEFAULT '[]',
  -- the policy snapshot in force (policy_snapshots.hash); NULL until policies are first set
  snapshot_hash TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  owner TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  -- JSON array of scope/workspace names
  scopes TEXT NOT NULL DEFAULT '[]',
  -- JSON array of tool globs this agent may see; ["*"] for all
  allowed_tools TEXT NOT NULL DEFAULT '["*"]',
  created_at TEXT NOT NULL
);
CREATE INDEX agents_by_tenant ON agents (tenant_id);

-- API keys are stored only as SHA-256 hashes; the key itself is shown once at creation.
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  agent_id TEXT NOT NULL REFERENCES agents(id),
  -- the first characters of the key, so people can tell keys apart
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_agent ON api_keys (agent_id);

-- The policy rows a snapshot was compiled from, by content hash. tenants.snapshot_hash points at one.
CREATE TABLE policy_snapshots (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  hash TEXT NOT NULL,
  -- JSON array of policy rows, keyed by Notion property names
  rows TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, hash)
);

CREATE TABLE escalations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  agent_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  args_hash TEXT NOT NULL,
  invocation_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'executed', 'cancelled')),
  reason_code TEXT NOT NULL,
  message TEXT NOT NULL,
  policy_ids TEXT NOT NULL,
  approvers TEXT NOT NULL,
  -- the person the agent acted for
  requested_for TEXT,
  snapshot TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  executed_at TEXT
);
-- At most one pending escalation per exact call: a repeated held call returns the one on file.
CREATE UNIQUE INDEX escalations_one_pending_per_call
  ON escalations (tenant_id, agent_id, tool, args_hash) WHERE status = 'pending';
CREATE INDEX escalations_by_tenant ON escalations (tenant_id, created_at);

-- One row per tools/call: the operational record.
CREATE TABLE audit_log (
  invocation_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  capability_version TEXT,
  client_id TEXT,
  decision TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  policy_ids TEXT NOT NULL,
  snapshot TEXT,
  outcome TEXT NOT NULL,
  status TEXT NOT NULL,
  escalation_id TEXT,
  error_code TEXT,
  cost_cents INTEGER,
  host_ref TEXT,
  -- JSON { validate, policy, approval, adapter, audit } in milliseconds
  latency_ms TEXT NOT NULL,
  total_ms REAL NOT NULL,
  correlation TEXT NOT NULL,
  evidence_ids TEXT NOT NULL,
  args_hash TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX audit_by_tenant_time ON audit_log (tenant_id, created_at);
