import type { Escalation } from "../approvals/escalations";
import { statusAt } from "../approvals/escalations";
import type { Outcome } from "../pipeline/outcome";
import type { TaskIds } from "./task-ids";

/** The MCP Tasks extension's identifier (SEP-2663), declared by clients per request and by the server in discover. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** How often a client should poll a held call's task: approvals take minutes, not milliseconds. */
export const POLL_INTERVAL_MS = 5_000;

/** How long a finished task's result stays readable after its escalation's expiry. */
const RETENTION_MS = 7 * 86_400_000;

/** A claim on running an approved task older than this is taken over (its isolate died mid-run). */
const CLAIM_LEASE_MS = 60_000;

/** A task as `tasks/get` shows it (SEP-2663 `DetailedTask`, without the wire-only `resultType`). */
export interface TaskView {
  taskId: string;
  status: "working" | "completed" | "failed" | "cancelled";
  statusMessage: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** The CallToolResult the call ended with (status `completed` only). */
  result?: Record<string, unknown>;
  /** Why the call never ran (status `failed` only): its escalation expired without a decision. */
  error?: { code: number; message: string; data: Record<string, unknown> };
}

/** The JSON-RPC error code of a task whose approval expired (implementation-defined server error range). */
export const APPROVAL_EXPIRED_CODE = -32000;

/** Who asks about a task: only the agent that made the call may see, run or cancel it. */
export interface TaskOwner {
  tenant_id: string;
  agent_id: string;
}

/** The held call a task stands for: run again, once, with the escalation id when a person has decided. */
export interface HeldCall {
  tool: string;
  args: unknown;
  meta: Record<string, unknown>;
}

/** What running a held call gave: the outcome contract and the CallToolResult the client gets. */
export interface RanCall {
  outcome: Outcome;
  sentence: string;
  result: Record<string, unknown>;
}

/** What the task store needs from the rest of the Worker. */
export interface HeldTaskDeps {
  db: D1Database;
  ids: TaskIds;
  /** The caller's own escalation (null: not theirs, or none). */
  escalationOf: (owner: TaskOwner, escalation_id: string) => Promise<Escalation | null>;
  now: () => Date;
}

/** A task lookup that found nothing the caller may see (unknown, tampered, another agent's): one answer for all. */
export type TaskLookup = { found: true; task: TaskView } | { found: false };

/** Held calls as MCP Tasks: opening one, polling it (which runs the call once approved), cancelling it. */
export interface HeldTasks {
  /** Opens a task for a call the pipeline held (`pending_approval`); null when tasks cannot be signed here. */
  open(owner: TaskOwner, call: HeldCall, held: Outcome, sentence: string): Promise<TaskView | null>;
  /**
   * The task now. Once a person has decided its escalation, the first poll runs the call (`run`) with the same
   * arguments and the escalation id, exactly as an approved retry does, and the task completes with that outcome: it
   * ran once on an approval, or a denial says why not (denied, already used). An escalation that expired without a
   * decision fails the task instead (nothing runs, and nobody is asked again unless the agent calls again). Later
   * polls read it back.
   */
  get(owner: TaskOwner, task_id: string, run: (call: HeldCall) => Promise<RanCall>): Promise<TaskLookup>;
  /** Cancels a task still waiting (the call will not be run for it); a finished or running task is left as it is. */
  cancel(owner: TaskOwner, task_id: string): Promise<TaskLookup>;
}

interface TaskRow {
  task_id: string;
  escalation_id: string;
  tool: string;
  arguments: string | null;
  meta: string;
  status: "working" | "running" | "completed" | "failed" | "cancelled";
  status_message: string;
  result: string | null;
  created_at: string;
  updated_at: string;
  claimed_at: string | null;
  expires_at: string;
}

/**
 * Held tasks kept in D1 (`mcp_tasks`). A task id is signed for its tenant and agent (src/mcp/task-ids.ts) and looked
 * up under both, so a guessed, changed or borrowed id finds nothing. The arguments are kept only while the task
 * waits; running it is claimed with a conditional update, so two polls never run one call twice (and the approval
 * stage's own claim stands behind that).
 * @example heldTasks({ db: env.DB, ids: taskIds(key), escalationOf, now: () => new Date() })
 */
export function heldTasks(deps: HeldTaskDeps): HeldTasks {
  const { db } = deps;
  const read = (owner: TaskOwner, task_id: string) =>
    db
      .prepare(`SELECT * FROM mcp_tasks WHERE task_id = ? AND tenant_id = ? AND agent_id = ?`)
      .bind(task_id, owner.tenant_id, owner.agent_id)
      .first<TaskRow>();
  const known = async (owner: TaskOwner, task_id: string): Promise<TaskRow | null> =>
    (await deps.ids.check(task_id, owner)).ok ? read(owner, task_id) : null;

  return {
    async open(owner, call, held, sentence) {
      const escalation_id = held.escalation_id;
      if (!escalation_id) return null;
      const escalation = await deps.escalationOf(owner, escalation_id);
      const task_id = await deps.ids.mint(owner);
      if (!escalation || !task_id) return null;
      const now = deps.now().toISOString();
      const expires_at = new Date(Date.parse(escalation.expires_at) + RETENTION_MS).toISOString();
      // Durably created before the answer, as SEP-2663 requires: a tasks/get right after finds it.
      await db
        .prepare(
          `INSERT INTO mcp_tasks (task_id, tenant_id, agent_id, escalation_id, tool, arguments, arguments_hash, meta,
             status, status_message, created_at, updated_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'working', ?, ?, ?, ?)`,
        )
        .bind(
          task_id,
          owner.tenant_id,
          owner.agent_id,
          escalation_id,
          call.tool,
          JSON.stringify(call.args ?? {}),
          escalation.args_hash,
          JSON.stringify(call.meta),
          sentence,
          now,
          now,
          expires_at,
        )
        .run();
      return viewOf({
        task_id,
        escalation_id,
        tool: call.tool,
        arguments: null,
        meta: "{}",
        status: "working",
        status_message: sentence,
        result: null,
        created_at: now,
        updated_at: now,
        claimed_at: null,
        expires_at,
      });
    },

    async get(owner, task_id, run) {
      const row = await known(owner, task_id);
      if (!row) return { found: false };
      if (row.status !== "working" && row.status !== "running") return { found: true, task: viewOf(row) };
      const now = deps.now();
      const escalation = await deps.escalationOf(owner, row.escalation_id);
      const status = escalation ? statusAt(escalation, now) : null;
      if (status === "pending") return { found: true, task: viewOf(row) };
      // A retry after an expiry asks people again; a task does not, or it would reopen its approval forever.
      if (escalation && status === "expired") {
        const message = `${row.tool} did not run: escalation ${escalation.id} expired at ${escalation.expires_at} without a decision. Call ${row.tool} again to ask again.`;
        const error = {
          code: APPROVAL_EXPIRED_CODE,
          message,
          data: {
            denial: { code: "approval_expired", message, retryable: true },
            escalation_id: escalation.id,
          },
        };
        await db
          .prepare(
            `UPDATE mcp_tasks SET status = 'failed', result = ?, arguments = NULL, status_message = ?, updated_at = ?
             WHERE task_id = ? AND status = 'working'`,
          )
          .bind(JSON.stringify(error), message, now.toISOString(), task_id)
          .run();
        return { found: true, task: viewOf((await read(owner, task_id))!) };
      }
      const claimed = await db
        .prepare(
          `UPDATE mcp_tasks SET status = 'running', claimed_at = ?1, updated_at = ?1
           WHERE task_id = ?2 AND (status = 'working' OR (status = 'running' AND claimed_at <= ?3))`,
        )
        .bind(now.toISOString(), task_id, new Date(now.getTime() - CLAIM_LEASE_MS).toISOString())
        .run();
      // Another poll runs it: this one reports the task as still working.
      if (claimed.meta.changes !== 1) return { found: true, task: viewOf((await read(owner, task_id)) ?? row) };
      const ran = await run({
        tool: row.tool,
        args: JSON.parse(row.arguments ?? "{}"),
        meta: { ...(JSON.parse(row.meta) as Record<string, unknown>), escalation_id: row.escalation_id },
      });
      const at = deps.now().toISOString();
      // A budget cap can hold an approved call once more (a budget-increase escalation): the task waits on that one.
      if (ran.outcome.outcome === "pending_approval" && ran.outcome.escalation_id)
        await db
          .prepare(
            `UPDATE mcp_tasks SET status = 'working', escalation_id = ?, status_message = ?, claimed_at = NULL,
               updated_at = ? WHERE task_id = ?`,
          )
          .bind(ran.outcome.escalation_id, ran.sentence, at, task_id)
          .run();
      else
        await db
          .prepare(
            `UPDATE mcp_tasks SET status = 'completed', result = ?, arguments = NULL, status_message = ?,
               claimed_at = NULL, updated_at = ? WHERE task_id = ?`,
          )
          .bind(JSON.stringify(ran.result), ran.sentence, at, task_id)
          .run();
      return { found: true, task: viewOf((await read(owner, task_id))!) };
    },

    async cancel(owner, task_id) {
      const row = await known(owner, task_id);
      if (!row) return { found: false };
      await db
        .prepare(
          `UPDATE mcp_tasks SET status = 'cancelled', arguments = NULL, status_message = ?, updated_at = ?
           WHERE task_id = ? AND status = 'working'`,
        )
        .bind(
          `Cancelled by the agent; the held ${row.tool} call will not be run for this task.`,
          deps.now().toISOString(),
          task_id,
        )
        .run();
      return { found: true, task: viewOf((await read(owner, task_id))!) };
    },
  };
}

/** The row as the client sees it: a call being run after its approval is still `working` to the client. */
function viewOf(row: TaskRow): TaskView {
  const status = row.status === "running" ? "working" : row.status;
  return {
    taskId: row.task_id,
    status,
    statusMessage: row.status_message,
    createdAt: row.created_at,
    lastUpdatedAt: row.updated_at,
    ttlMs: Math.max(0, Date.parse(row.expires_at) - Date.parse(row.created_at)),
    pollIntervalMs: POLL_INTERVAL_MS,
    ...(status === "completed" && row.result ? { result: JSON.parse(row.result) as Record<string, unknown> } : {}),
    ...(status === "failed" && row.result ? { error: JSON.parse(row.result) as TaskView["error"] } : {}),
  };
}
