-- Releases in Notion (docs/releases.md): each release's page in the tenant's Releases database, the summary Claude
-- wrote for it once, and golden tasks read from the Golden tasks database.

-- The release's page: its id and address (the held rows' Sync status links it), and a hash of what it shows, so a
-- page is rewritten only when its release changed (accepted, rejected, rolled back).
ALTER TABLE releases ADD COLUMN notion_page_id TEXT;
ALTER TABLE releases ADD COLUMN notion_page_url TEXT;
ALTER TABLE releases ADD COLUMN page_hash TEXT;
-- Set before a create is sent: a create whose answer was lost is looked up by Release ID before another is sent.
ALTER TABLE releases ADD COLUMN page_attempted_at TEXT;
-- Claude's summary of the release's figures, asked once ('' when Claude could not write one).
ALTER TABLE releases ADD COLUMN summary TEXT;
-- The Notion user who accepted the release on its page (its Accepted by), when it was accepted there.
ALTER TABLE releases ADD COLUMN decided_by_user_id TEXT;
-- A rollback in force for a tenant whose policies come from Notion: when its rows were written back to the Policies
-- database (NULL: not yet; the next sync writes them before it reads the database).
ALTER TABLE releases ADD COLUMN rows_written_at TEXT;

-- Where a golden task came from: the admin API ('admin') or a row of the Golden tasks database ('notion', its page).
ALTER TABLE golden_tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE golden_tasks ADD COLUMN notion_page_id TEXT;
-- The Last result last written to the task's Notion row (the Worker writes it when it differs from last_result).
ALTER TABLE golden_tasks ADD COLUMN written_result TEXT;
