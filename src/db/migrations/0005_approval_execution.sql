-- An approved escalation authorizes its exact call once (src/approvals/escalations.ts claimApproval).

-- The invocation that used the approval; set in the same UPDATE that moves the escalation to 'executed', so two
-- retries at the same moment cannot both claim it.
ALTER TABLE escalations ADD COLUMN executed_invocation_id TEXT;

-- A retry finds the newest escalation of its exact call.
CREATE INDEX escalations_by_call ON escalations (tenant_id, agent_id, tool, args_hash, created_at);
