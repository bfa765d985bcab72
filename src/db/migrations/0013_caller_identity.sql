-- Verified caller facts (src/pipeline/caller-facts.ts): whom an agent may act for and in which workspaces, and what
-- an escalation's page and the ledger say about how the person acted for was verified.

-- The people an agent may act for with its API key (JSON array of names or emails, as policies name people). Its
-- owner is always one of them; an empty list lets it act for its owner only.
ALTER TABLE agents ADD COLUMN acts_for TEXT NOT NULL DEFAULT '[]';
-- The workspaces an agent may name in _meta.workspace (JSON array). Empty: it may name none (fail closed).
ALTER TABLE agents ADD COLUMN workspaces TEXT NOT NULL DEFAULT '[]';
-- How the held call's caller facts were verified (JSON: via, person, person_verified_by, workspace, run).
ALTER TABLE escalations ADD COLUMN caller TEXT;
-- An approval is for one person's call: the pending escalation of an exact call is now per person acted for too, so
-- one person's approval never lets the same arguments run for someone else (separation of duties).
DROP INDEX escalations_one_pending_per_call;
CREATE UNIQUE INDEX escalations_one_pending_per_call
  ON escalations (tenant_id, agent_id, tool, args_hash, COALESCE(requested_for, '')) WHERE status = 'pending';
