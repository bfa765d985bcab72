-- Each pending escalation gets exactly one page in the tenant's Approvals database (src/approvals/approval-pages.ts).

-- The page, once Notion confirmed it.
ALTER TABLE escalations ADD COLUMN notion_page_id TEXT;
-- When a create was last sent: set BEFORE sending, because Notion has no idempotency keys. While it is set and
-- no page id is known, the page may exist, and the next attempt looks it up by Escalation ID before creating.
ALTER TABLE escalations ADD COLUMN notion_page_attempted_at TEXT;
-- Until when one pass has the escalation in hand, so a cron pass and an immediate one never both create it.
ALTER TABLE escalations ADD COLUMN notion_page_claimed_until TEXT;
-- JSON of the call's arguments as the page shows them: text values over 200 characters cut, credential-like keys
-- hidden (src/approvals/approval-page.ts argumentsForPage). NULL when the arguments were not recorded.
ALTER TABLE escalations ADD COLUMN arguments TEXT;

CREATE INDEX escalations_without_page ON escalations (tenant_id, created_at)
  WHERE status = 'pending' AND notion_page_id IS NULL;
