-- Claude in the workspace (src/claude): escalation summaries, the weekly digest (src/digest) and what Claude cost.

-- What Shadow policies would have done to the call: JSON [{ policy_id, policy_name, would, reason_code }].
ALTER TABLE audit_log ADD COLUMN shadow TEXT NOT NULL DEFAULT '[]';

-- A tenant's monthly cap on Claude spend, in US cents; once reached, pages are written from templates.
ALTER TABLE tenants ADD COLUMN claude_monthly_cap_cents INTEGER NOT NULL DEFAULT 500;
-- When the weekly digest of the week before is written: UTC weekday (0 Sunday … 6 Saturday) and hour.
ALTER TABLE tenants ADD COLUMN digest_weekday INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tenants ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 8;

-- Who wrote the summary on the escalation's page ('Template' until Claude's arrives, then 'Claude'), and how often
-- Claude was asked for it (the cron stops asking after a few failures).
ALTER TABLE escalations ADD COLUMN summary_by TEXT;
ALTER TABLE escalations ADD COLUMN summary_attempts INTEGER NOT NULL DEFAULT 0;

-- One row per call to Anthropic's Messages API (or per call skipped because the cap was reached): the audit log of
-- what Claude was asked for and what it cost. Never holds a prompt or an answer.
CREATE TABLE claude_calls (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  -- 'escalation_summary' | 'digest' | 'moderation'
  purpose TEXT NOT NULL,
  -- the escalation id, the digest's week, or the invocation id
  subject TEXT NOT NULL,
  model TEXT NOT NULL,
  -- 'ok' | 'error' | 'timeout' | 'rate_limited' | 'invalid_output' | 'capped' | 'no_key'
  outcome TEXT NOT NULL,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  -- millionths of a US dollar, from the model's price per million tokens
  cost_microusd INTEGER NOT NULL DEFAULT 0,
  latency_ms REAL NOT NULL DEFAULT 0,
  error TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX claude_calls_by_tenant_time ON claude_calls (tenant_id, created_at);

-- One digest page per tenant and week (week_start: the Monday, YYYY-MM-DD, UTC).
CREATE TABLE digests (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  week_start TEXT NOT NULL,
  -- the page, once Notion confirmed it
  page_id TEXT,
  -- when a create was last sent (set before sending: Notion has no idempotency keys, so a create whose answer was
  -- lost is looked up by its Week title before it is sent again)
  attempted_at TEXT,
  -- until when one writer has the week in hand, so the cron and POST /admin/digest never both create it
  claimed_until TEXT,
  written_at TEXT,
  written_by TEXT,
  -- JSON of the figures the page shows
  figures TEXT,
  PRIMARY KEY (tenant_id, week_start)
);
