-- Golden tasks from Notion (docs/releases.md): where each task is set, the Golden tasks row it comes from, and the
-- Last result text the row shows, so a result is written back to Notion only when it changed.

-- 'api': set through the admin API or the CLI (a Notion sync never touches it); 'notion': a Golden tasks row.
ALTER TABLE golden_tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'notion'));
ALTER TABLE golden_tasks ADD COLUMN notion_page_id TEXT;
-- The Last result text last written to the row (NULL: nothing written yet).
ALTER TABLE golden_tasks ADD COLUMN result_written TEXT;
CREATE UNIQUE INDEX golden_tasks_by_page ON golden_tasks (tenant_id, notion_page_id) WHERE notion_page_id IS NOT NULL;
