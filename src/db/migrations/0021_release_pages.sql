-- Releases in Notion (docs/releases.md): each release's page in the tenant's Releases database, the summary Claude
-- wrote for it once, who accepted it there, and whether a rollback's rows are written back to Notion.

-- The release's page: its id and address (the held rows' Sync status links it), and a hash of what it shows, so a
-- page is rewritten only when its release changed (accepted, rejected, rolled back).
ALTER TABLE releases ADD COLUMN notion_page_id TEXT;
ALTER TABLE releases ADD COLUMN notion_page_url TEXT;
ALTER TABLE releases ADD COLUMN page_hash TEXT;
-- When the page was last written: a release decided since (accepted, rejected, rolled back) is written again.
ALTER TABLE releases ADD COLUMN page_written_at TEXT;
-- Set before a create is sent: a create whose answer was lost is looked up by Release ID before another is sent.
ALTER TABLE releases ADD COLUMN page_attempted_at TEXT;
-- Claude's summary of the release's figures, asked once ('' when Claude could not write one).
ALTER TABLE releases ADD COLUMN summary TEXT;
-- The Notion user who accepted the release on its page (its Accepted by), when it was accepted there.
ALTER TABLE releases ADD COLUMN decided_by_user_id TEXT;
-- A rollback in force for a tenant whose policies come from Notion: when its rows were written back to the Policies
-- database (NULL: not yet; the next sync writes them before it reads the database).
ALTER TABLE releases ADD COLUMN rows_written_at TEXT;

