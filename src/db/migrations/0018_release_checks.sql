-- Release checks (docs/releases.md): the decision inputs a candidate snapshot is replayed against, golden tasks,
-- one release record per candidate snapshot, and each tenant's settings for them.

-- What decide() was told about one call, kept for replay: the tool and agent facts, the verified context, the
-- arguments as records show them (PII redacted) with the paths redaction changed, and the arguments' hash.
-- Pruned by the cron after the tenant's retention (release_settings.retention_days, default 7).
CREATE TABLE decision_inputs (
  tenant_id TEXT NOT NULL,
  invocation_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  tool TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  -- JSON: the DecisionRequest without its arguments ({ tool, agent, context }).
  facts TEXT NOT NULL,
  -- JSON: the redacted arguments, and the redaction paths ($.customer.email) whose values are not the originals.
  args TEXT NOT NULL,
  redacted TEXT NOT NULL DEFAULT '[]',
  args_hash TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (tenant_id, invocation_id)
);
CREATE INDEX decision_inputs_by_time ON decision_inputs (tenant_id, created_at);
CREATE INDEX decision_inputs_by_age ON decision_inputs (created_at);

-- A named call with the decision a tenant expects of it: every candidate snapshot must still give it.
CREATE TABLE golden_tasks (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  tool TEXT NOT NULL,
  -- JSON object: the call's arguments.
  arguments TEXT NOT NULL,
  -- The agent's name or id.
  agent TEXT NOT NULL,
  acts_for TEXT,
  workspace TEXT,
  expected TEXT NOT NULL CHECK (expected IN ('authorized', 'escalated', 'denied')),
  expected_reason TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  -- JSON: what the last check gave ({ release_id, snapshot, got, reason_code, passed, at }), or NULL.
  last_result TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- One record per candidate snapshot: what changed, the golden results, the replay impact, and whether it is in force.
CREATE TABLE releases (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  -- The snapshot in force when the candidate was checked (NULL: none).
  previous TEXT,
  source TEXT NOT NULL CHECK (source IN ('admin', 'notion', 'rollback')),
  status TEXT NOT NULL CHECK (status IN ('live', 'held', 'accepted', 'rejected', 'rolled_back')),
  -- JSON: the candidate's rows (the policy rows the snapshot compiles), as stored in policy_snapshots.
  report TEXT NOT NULL,
  golden_passed INTEGER NOT NULL,
  golden_failed INTEGER NOT NULL,
  replay_calls INTEGER NOT NULL,
  replay_changed INTEGER NOT NULL,
  replay_indeterminate INTEGER NOT NULL,
  -- Why a held release is held, in one sentence.
  held_because TEXT,
  decided_by TEXT,
  decided_reason TEXT,
  decided_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX releases_by_tenant ON releases (tenant_id, created_at);

-- A tenant's release settings where they differ from the defaults (7 days kept, 7 days replayed, 5% threshold).
CREATE TABLE release_settings (
  tenant_id TEXT PRIMARY KEY,
  retention_days INTEGER NOT NULL DEFAULT 7,
  replay_days INTEGER NOT NULL DEFAULT 7,
  threshold_pct REAL NOT NULL DEFAULT 5
);
