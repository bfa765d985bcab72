-- Outcomes the ledger could not take after their host ran (src/pipeline/outcome-later.ts): kept here once the
-- deferred retries failed, and appended by the cron (drainOutcomeOutbox, same file). The ledger appends an invocation's
-- outcome once, so a row whose append was stored but whose reply was lost is finished, not doubled.
CREATE TABLE ledger_outbox (
  invocation_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  -- JSON array of the ledger entry inputs to append, the outcome last
  entries TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);

CREATE INDEX ledger_outbox_tenant ON ledger_outbox (tenant_id, created_at);
