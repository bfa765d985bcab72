-- A tenant's Notion connection and what the sync keeps of each Notion row.
-- Every table carries tenant_id, and every query filters on it.

-- One Notion integration per tenant. Secrets are stored by NAME (a Worker secret), never by value.
CREATE TABLE notion_connections (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),
  -- the Worker secret holding the integration token
  token_secret TEXT NOT NULL,
  -- the Worker secret holding the webhook verification token; NULL until webhooks are set up
  webhook_secret TEXT,
  -- JSON { policies, agents, tools, runbooks, approvals, digests }: data source ids
  data_sources TEXT NOT NULL,
  -- the integration's request rate limit (Notion's is about 3/s); the gate paces every call to it
  requests_per_second INTEGER NOT NULL DEFAULT 3,
  -- when Notion last sent a verification token to the webhook URL (it is shown to the operator, never adopted)
  handshake_at TEXT,
  handshake_token TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Every Notion row the sync has read. `value` is the row's last good version (in force); a row whose newest
-- version failed validation keeps its old value and says why in sync_status.
CREATE TABLE notion_rows (
  tenant_id TEXT NOT NULL,
  -- policies | agents | tools | runbooks
  source TEXT NOT NULL,
  page_id TEXT NOT NULL,
  -- hash of the newest version read (Sync status excluded), to skip rows that did not change
  content_hash TEXT NOT NULL,
  last_edited_time TEXT NOT NULL,
  -- JSON of the last good row, keyed by Notion property names; NULL when no version was ever good
  value TEXT,
  -- what the row's Sync status should say, and what the Worker last wrote there
  sync_status TEXT NOT NULL,
  written_status TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, page_id)
);
CREATE INDEX notion_rows_by_source ON notion_rows (tenant_id, source);

-- Where each data source's incremental sync resumes, and how its last run went.
CREATE TABLE notion_sync_state (
  tenant_id TEXT NOT NULL,
  source TEXT NOT NULL,
  -- when the last complete read began; the next sync asks for rows edited since then, minus a margin
  cursor TEXT,
  -- the last sync that read every row (it finds deleted rows)
  full_at TEXT,
  last_run_at TEXT,
  last_error TEXT,
  PRIMARY KEY (tenant_id, source)
);

-- Webhook events already handled, by Notion's event id: a second delivery is a replay.
CREATE TABLE notion_webhook_events (
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX notion_webhook_events_by_time ON notion_webhook_events (received_at);

-- What people set in the Tools database, and what the Worker last wrote there.
CREATE TABLE tool_settings (
  tenant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  page_id TEXT,
  risk TEXT,
  cost_cents INTEGER,
  runbook_page_id TEXT,
  -- hash of the catalog fields last written to the row (description, host, policy state, version)
  written_hash TEXT,
  PRIMARY KEY (tenant_id, tool)
);

-- Active runbooks, linked from approval pages.
CREATE TABLE runbooks (
  tenant_id TEXT NOT NULL,
  page_id TEXT NOT NULL,
  name TEXT NOT NULL,
  -- JSON array of tool patterns
  tools TEXT NOT NULL,
  checks TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (tenant_id, page_id)
);
