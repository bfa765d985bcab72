import type { Escalation } from "../approvals/escalations";
import { statusAt } from "../approvals/escalations";
import type { CallerProof } from "../db/tenancy";
import type { Outcome } from "../pipeline/outcome";
import type { TaskIds } from "./task-ids";

/** The MCP Tasks extension's identifier (SEP-2663), declared by clients per request and by the server in discover. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** How often a client should poll a held call's task: approvals take minutes, not milliseconds. */
export const POLL_INTERVAL_MS = 5_000;

/**
 * How long a task's answer stays readable: a task's `ttlMs` runs to its escalation's expiry plus this, and the cron
 * deletes a task that ended this long ago once that ttl has passed ({@link clearEndedTasks}).
 */
export const TASK_RETENTION_MS = 7 * 86_400_000;

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

/** Who made a held call, so that a run at decision time runs it as that caller did: its proof and its client. */
export interface TaskCaller {
  proof: CallerProof;
  client_id: string | null;
}

/** Runs a held call as its caller; the task store hands it the call to run once. */
export type HeldCallRun = (call: HeldCall) => Promise<RanCall>;

/** What running the tasks of a decided escalation did, task by task. */
export interface DecidedTasksReport {
  /** Tasks whose call this pass ran (completed, or waiting on a budget-increase escalation). */
  ran: number;
  /** Tasks this pass failed because their escalation expired undecided. */
  expired: number;
  /** Tasks left for the first tasks/get: no runner could be had for their caller, or another run holds them. */
  left: number;
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
  open(owner: TaskOwner, call: HeldCall, held: Outcome, sentence: string, caller: TaskCaller): Promise<TaskView | null>;
  /**
   * The task now. Once a person has decided its escalation, the first poll runs the call (`run`) with the same
   * arguments and the escalation id, exactly as an approved retry does, and the task completes with that outcome: it
   * ran once on an approval, or a denial says why not (denied, already used). An escalation that expired without a
   * decision fails the task instead (nothing runs, and nobody is asked again unless the agent calls again). Later
   * polls read it back.
   */
  get(owner: TaskOwner, task_id: string, run: HeldCallRun): Promise<TaskLookup>;
  /**
   * Ends the waiting tasks of an escalation people have just decided (or that just expired), as their first poll
   * would: each task's call runs once, as its caller (`runnerFor`, which gives null when the caller may not act now:
   * that task is left for its first poll). The same claim as a poll's guards each task, so a poll racing this runs
   * nothing twice.
   */
  runDecided(
    escalation: { tenant_id: string; escalation_id: string },
    runnerFor: (owner: TaskOwner, caller: TaskCaller) => Promise<HeldCallRun | null>,
  ): Promise<DecidedTasksReport>;
  /** Cancels a task still waiting (the call will not be run for it); a finished or running task is left as it is. */
  cancel(owner: TaskOwner, task_id: string): Promise<TaskLookup>;
}

interface TaskRow {
  task_id: string;
  tenant_id: string;
  agent_id: string;
  escalation_id: string;
  tool: string;
  arguments: string | null;
  meta: string;
  /** The {@link TaskCaller} as JSON while the task waits (null once it ended, and on tasks opened before 0022). */
  caller: string | null;
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

  /**
   * Moves a waiting task on as its escalation says: pending → as it is; expired → failed; decided → the call runs
   * once (claimed with a conditional update, so of a poll and the decision-time run only one runs it). `run` is
   * asked for only once the claim is this caller's; a run that cannot be had (null) gives the claim back.
   */
  async function advance(row: TaskRow, run: () => Promise<HeldCallRun | null>): Promise<Advanced> {
    const owner = { tenant_id: row.tenant_id, agent_id: row.agent_id };
    const now = deps.now();
    const escalation = await deps.escalationOf(owner, row.escalation_id);
    const status = escalation ? statusAt(escalation, now) : null;
    if (status === "pending") return "waiting";
    // A retry after an expiry asks people again; a task does not, or it would reopen its approval forever.
    if (escalation && status === "expired") {
      const message = `${row.tool} did not run: escalation ${escalation.id} expired at ${escalation.expires_at} without a decision. Call ${row.tool} again to ask again.`;
      const error = {
        code: APPROVAL_EXPIRED_CODE,
        message,
        data: { denial: { code: "approval_expired", message, retryable: true }, escalation_id: escalation.id },
      };
      const failed = await db
        .prepare(
          `UPDATE mcp_tasks SET status = 'failed', result = ?, arguments = NULL, caller = NULL, status_message = ?,
             updated_at = ? WHERE task_id = ? AND status = 'working'`,
        )
        .bind(JSON.stringify(error), message, now.toISOString(), row.task_id)
        .run();
      return failed.meta.changes === 1 ? "expired" : "busy";
    }
    const claimed = await db
      .prepare(
        `UPDATE mcp_tasks SET status = 'running', claimed_at = ?1, updated_at = ?1
         WHERE task_id = ?2 AND (status = 'working' OR (status = 'running' AND claimed_at <= ?3))`,
      )
      .bind(now.toISOString(), row.task_id, new Date(now.getTime() - CLAIM_LEASE_MS).toISOString())
      .run();
    // Another poll, or the run at decision time, runs it: this one reports the task as still working.
    if (claimed.meta.changes !== 1) return "busy";
    const runner = await run().catch((error: unknown) => {
      console.error(`held task ${row.task_id} found no runner: ${String(error)}`);
      return null;
    });
    if (!runner) {
      await db
        .prepare(`UPDATE mcp_tasks SET status = 'working', claimed_at = NULL WHERE task_id = ? AND status = 'running'`)
        .bind(row.task_id)
        .run();
      return "busy";
    }
    const ran = await runner({
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
        .bind(ran.outcome.escalation_id, ran.sentence, at, row.task_id)
        .run();
    else
      await db
        .prepare(
          `UPDATE mcp_tasks SET status = 'completed', result = ?, arguments = NULL, caller = NULL, status_message = ?,
             claimed_at = NULL, updated_at = ? WHERE task_id = ?`,
        )
        .bind(JSON.stringify(ran.result), ran.sentence, at, row.task_id)
        .run();
    return "ran";
  }

  return {
    async open(owner, call, held, sentence, caller) {
      const escalation_id = held.escalation_id;
      if (!escalation_id) return null;
      const escalation = await deps.escalationOf(owner, escalation_id);
      const task_id = await deps.ids.mint(owner);
      if (!escalation || !task_id) return null;
      const now = deps.now().toISOString();
      const expires_at = new Date(Date.parse(escalation.expires_at) + TASK_RETENTION_MS).toISOString();
      // Durably created before the answer, as SEP-2663 requires: a tasks/get right after finds it.
      await db
        .prepare(
          `INSERT INTO mcp_tasks (task_id, tenant_id, agent_id, escalation_id, tool, arguments, arguments_hash, meta,
             caller, status, status_message, created_at, updated_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'working', ?, ?, ?, ?)`,
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
          JSON.stringify(caller),
          sentence,
          now,
          now,
          expires_at,
        )
        .run();
      return viewOf({
        task_id,
        ...owner,
        escalation_id,
        tool: call.tool,
        arguments: null,
        meta: "{}",
        caller: null,
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
      if (row.status === "working" || row.status === "running") {
        const advanced = await advance(row, async () => run);
        if (advanced === "waiting") return { found: true, task: viewOf(row) };
      }
      return { found: true, task: viewOf((await read(owner, task_id)) ?? row) };
    },

    async runDecided(escalation, runnerFor) {
      const { results } = await db
        .prepare(
          `SELECT * FROM mcp_tasks WHERE tenant_id = ? AND escalation_id = ? AND status IN ('working', 'running')`,
        )
        .bind(escalation.tenant_id, escalation.escalation_id)
        .all<TaskRow>();
      const report: DecidedTasksReport = { ran: 0, expired: 0, left: 0 };
      for (const row of results) {
        const caller = callerOf(row);
        const owner = { tenant_id: row.tenant_id, agent_id: row.agent_id };
        const advanced = await advance(row, async () => (caller ? runnerFor(owner, caller) : null));
        if (advanced === "ran") report.ran++;
        else if (advanced === "expired") report.expired++;
        else if (advanced === "busy") report.left++;
      }
      return report;
    },

    async cancel(owner, task_id) {
      const row = await known(owner, task_id);
      if (!row) return { found: false };
      await db
        .prepare(
          `UPDATE mcp_tasks SET status = 'cancelled', arguments = NULL, caller = NULL, status_message = ?, updated_at = ?
           WHERE task_id = ? AND status = 'working'`,
        )
        .bind(
          `Cancelled by the agent; the held ${row.tool} call will not be run for this task.`,
          deps.now().toISOString(),
          task_id,
        )
        .run();
      return { found: true, task: viewOf((await read(owner, task_id)) ?? row) };
    },
  };
}

/** What {@link advance} did to a task: ran its call, failed it (expired), left it waiting, or left it to another. */
type Advanced = "ran" | "expired" | "waiting" | "busy";

/** The caller a task was opened for; null on tasks opened before callers were kept, or that ended. */
function callerOf(row: TaskRow): TaskCaller | null {
  return row.caller ? (JSON.parse(row.caller) as TaskCaller) : null;
}

/**
 * Deletes tasks that ended (completed, failed, cancelled) at least {@link TASK_RETENTION_MS} before `now` and whose
 * `ttlMs` has passed; a task still waiting or running is never deleted. Returns how many went.
 */
export async function clearEndedTasks(db: D1Database, now: Date): Promise<number> {
  const at = now.toISOString();
  const ended = new Date(now.getTime() - TASK_RETENTION_MS).toISOString();
  const cleared = await db
    .prepare(
      `DELETE FROM mcp_tasks WHERE status IN ('completed', 'failed', 'cancelled') AND updated_at <= ? AND expires_at <= ?`,
    )
    .bind(ended, at)
    .run();
  return cleared.meta.changes;
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
