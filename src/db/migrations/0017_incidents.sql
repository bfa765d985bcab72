-- Incidents: conditions the cron found (a failing host, a spike of denials or holds, an exhausted budget, a ledger
-- that does not verify, a Notion sync that keeps failing), one row per cause while it lasts.
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  -- stable per cause: host:<id>, denials:<tool>, holds:<tool>, budget:<key>, ledger, notion_sync:<source>
  cause TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
  title TEXT NOT NULL,
  -- JSON string[]
  tools TEXT NOT NULL DEFAULT '[]',
  agents TEXT NOT NULL DEFAULT '[]',
  -- JSON object of figures computed in code; the latest while the incident lasts
  figures TEXT NOT NULL DEFAULT '{}',
  opened_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  -- when the condition was first seen clear (NULL while it holds); it resolves once clear long enough
  clear_since TEXT,
  resolved_at TEXT,
  runbook_page_id TEXT,
  notion_page_id TEXT,
  -- what the page last showed (a hash of its view), its status then and when: pages are written only on change
  page_hash TEXT,
  page_status TEXT,
  page_written_at TEXT,
  summary TEXT,
  summary_by TEXT
);
-- One open incident per cause: a second open for the same cause is refused by the database itself.
CREATE UNIQUE INDEX incidents_open_cause ON incidents (tenant_id, cause) WHERE status = 'open';
CREATE INDEX incidents_by_tenant ON incidents (tenant_id, status, opened_at);

-- A tenant's incident thresholds where they differ from the defaults (JSON, src/incidents/settings.ts).
CREATE TABLE incident_settings (
  tenant_id TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- When a slow check (ledger verification) last ran for a tenant, so each cron tick stays bounded.
CREATE TABLE incident_checks (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  ran_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- What the cron last wrote to each Tools row's Host health column, so it writes only changes.
CREATE TABLE tool_host_health (
  tenant_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  written TEXT NOT NULL,
  PRIMARY KEY (tenant_id, tool)
);

-- How many syncs of a database failed in a row (0 after one that succeeded): "failing repeatedly".
ALTER TABLE notion_sync_state ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

-- A runbook's sections for incidents, as the Runbooks database has them ('' when the row leaves them empty).
ALTER TABLE runbooks ADD COLUMN recovery TEXT NOT NULL DEFAULT '';
ALTER TABLE runbooks ADD COLUMN operator_lanes TEXT NOT NULL DEFAULT '';
ALTER TABLE runbooks ADD COLUMN rollback TEXT NOT NULL DEFAULT '';
