-- Decisions taken in Notion's Approvals pages (src/approvals/decisions.ts).

-- The Notion user whose decision counted, so the page's Decided by can be written (again) from D1.
ALTER TABLE escalations ADD COLUMN decided_by_user_id TEXT;
-- The status whose Decision Policy OS last wrote to the page (NULL: the page says what it was created with,
-- Pending). A decided, executed or expired escalation whose page_decision differs still has its page to update.
ALTER TABLE escalations ADD COLUMN page_decision TEXT;
-- A decision only the poll saw (its author cannot be established): recorded, not acted on, commented once.
ALTER TABLE escalations ADD COLUMN unattributed_decision TEXT;
ALTER TABLE escalations ADD COLUMN unattributed_at TEXT;

CREATE INDEX escalations_page_behind ON escalations (tenant_id, created_at)
  WHERE notion_page_id IS NOT NULL AND status != 'pending' AND page_decision IS NOT status;
