-- Held calls as Tasks run when a person decides, not only when the client polls (src/mcp/held-tasks.ts): a task keeps
-- who made the call (how the caller proved itself and its client id, as JSON) while it waits, so the run at decision
-- time runs it as that caller did; cleared when the task ends, like its arguments. The cron deletes tasks that ended
-- past their retention; the index finds them without reading the waiting ones.
ALTER TABLE mcp_tasks ADD COLUMN caller TEXT;
CREATE INDEX mcp_tasks_ended ON mcp_tasks (status, updated_at);
