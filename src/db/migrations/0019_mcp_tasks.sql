-- Held calls handed to MCP 2026-07-28 clients as Tasks (src/mcp/held-tasks.ts). A task is bound to its tenant and
-- agent, to the escalation that holds the call, and to the call itself: the tool, the arguments exactly as sent
-- (kept only while the task waits, so the gateway can run the call once when a person approves; cleared when it
-- ends) and their hash. `result` is the CallToolResult a completed task ended with, or the JSON-RPC error of a
-- failed one (its escalation expired without a decision).
CREATE TABLE mcp_tasks (
  task_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  escalation_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  arguments TEXT,
  arguments_hash TEXT NOT NULL,
  meta TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('working', 'running', 'completed', 'failed', 'cancelled')),
  status_message TEXT NOT NULL,
  result TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  claimed_at TEXT,
  expires_at TEXT NOT NULL
);
CREATE INDEX mcp_tasks_escalation ON mcp_tasks (tenant_id, escalation_id);
