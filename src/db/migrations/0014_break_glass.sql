-- Break-glass decisions: taken through the admin API while Notion is unreachable (src/approvals/break-glass.ts).

-- Where the recorded decision was taken: 'notion' (NULL on rows decided before this column) or 'break_glass'.
ALTER TABLE escalations ADD COLUMN decided_via TEXT;
-- The break-glass decider's reason, redacted before it is stored (NULL for decisions taken in Notion).
ALTER TABLE escalations ADD COLUMN decision_reason TEXT;
-- When the approval page was told the decision was taken by break-glass (NULL: not yet).
ALTER TABLE escalations ADD COLUMN break_glass_shown_at TEXT;
-- The weekly digest lists a week's break-glass decisions.
CREATE INDEX escalations_break_glass ON escalations (tenant_id, decided_at) WHERE decided_via = 'break_glass';
