-- What agents read besides tool calls: resources/read and prompts/get through /mcp, one row each (the audit log of
-- tools/call is audit_log). Targets are recorded as records hold caller-chosen text: PII redacted, bounded.
CREATE TABLE feature_reads (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  -- resources/read | prompts/get
  method TEXT NOT NULL,
  -- the federated URI or prompt name asked for
  target TEXT NOT NULL,
  -- the upstream host asked (<ns>:<url host>), or policy-os for a runbook; null when none was asked
  host_ref TEXT,
  -- read | refused | failed
  outcome TEXT NOT NULL,
  reason TEXT,
  client_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX feature_reads_by_tenant ON feature_reads (tenant_id, created_at);
