-- How many policies decided a call (docs/policies.md, "What a decision lists"): a decision lists at most 50 of them
-- in policy_ids, so the count says when the list is cut. NULL on rows written before it was kept (their list is whole).
ALTER TABLE audit_log ADD COLUMN policy_count INTEGER;
-- The same for an escalation: how many policies held the call.
ALTER TABLE escalations ADD COLUMN policy_count INTEGER;
