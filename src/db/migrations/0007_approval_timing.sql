-- Approval timing per tenant (src/approvals), and what an escalation's reminder and page need.

-- How long a held call waits for a decision.
ALTER TABLE tenants ADD COLUMN approval_ttl_seconds INTEGER NOT NULL DEFAULT 86400;
-- How long a page waits undecided before its approvers are mentioned in a reminder comment (NULL: never).
ALTER TABLE tenants ADD COLUMN approval_reminder_seconds INTEGER DEFAULT 3600;

-- When the escalation's approvers are reminded (NULL: never, or not before it expires), and when they were.
ALTER TABLE escalations ADD COLUMN remind_at TEXT;
ALTER TABLE escalations ADD COLUMN reminded_at TEXT;
-- SHA-256 of the page's properties other than Decision as Notion returned them after Policy OS last wrote the page:
-- the poll counts a decision as its page's last editor's only when nothing else on the page differs.
ALTER TABLE escalations ADD COLUMN page_fingerprint TEXT;
