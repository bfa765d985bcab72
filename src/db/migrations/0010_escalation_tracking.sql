-- Whether an escalation's Durable Object has its alarms (src/approvals/escalation-sweep.ts).

-- When the escalation's object first stored it and set its reminder or expiry alarm (NULL: not known to have).
ALTER TABLE escalations ADD COLUMN tracked_at TEXT;
-- The cron's sweep reads pending escalations oldest first.
CREATE INDEX escalations_pending ON escalations (created_at) WHERE status = 'pending';
