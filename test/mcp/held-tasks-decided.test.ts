import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { escalationObject } from "../../src/approvals/escalation-object";
import { clearEndedTasks, TASK_RETENTION_MS } from "../../src/mcp/held-tasks";
import { bigRefund, refundDesk, refundsMade } from "../approvals/helpers";
import { modernRequest, TASKS } from "../support/modern-client";
import { admin } from "../support/worker";

/** A refund the standard policies hold for the manager, made as a Tasks-capable 2026-07-28 client. */
async function heldAsTask(key: string) {
  const answer = await modernRequest(
    key,
    "tools/call",
    { name: "payments.create_refund", arguments: bigRefund },
    TASKS,
  );
  const task = answer.body.result;
  return { taskId: task.taskId as string, escalation_id: task._meta["policy-os/outcome"].escalation_id as string };
}

const poll = async (key: string, taskId: string) => (await modernRequest(key, "tasks/get", { taskId }, TASKS)).body;

/** The manager decides through the admin API (break-glass), which takes the decision in the escalation's object. */
const managerDecides = (tenant: string, escalation_id: string, decision: "approved" | "denied") =>
  admin("POST", `/escalations/${escalation_id}/decision?tenant=${tenant}`, {
    decision,
    as: "manager",
    reason: "Notion is down; the customer is waiting",
  });

/** The task's row as stored, read without polling it. */
const stored = (taskId: string) =>
  env.DB.prepare(`SELECT * FROM mcp_tasks WHERE task_id = ?`).bind(taskId).first<Record<string, any>>();

describe("held tasks end when people decide, not when the client next polls", () => {
  it("runs an approved call when the approval is taken; tasks/get then returns the stored result", async () => {
    const { key, tenant, client } = await refundDesk();
    const { taskId, escalation_id } = await heldAsTask(key);
    expect((await managerDecides(tenant, escalation_id, "approved")).status).toBe(200);

    // Before any poll: the refund is made and the task holds its result.
    const made = await refundsMade(client);
    expect(made).toHaveLength(1);
    expect(await stored(taskId)).toMatchObject({ status: "completed", arguments: null, caller: null });

    const done = (await poll(key, taskId)).result;
    expect(done).toMatchObject({ status: "completed", result: { isError: false } });
    expect(done.result.structuredContent).toMatchObject({
      outcome: "succeeded",
      escalation_id,
      invocation_id: made[0]!.invocation_id,
      decision: { reason_code: "approval_granted" },
    });
    expect((await poll(key, taskId)).result).toEqual(done);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("completes the task with the denial when the denial is taken; nothing runs", async () => {
    const { key, tenant, client } = await refundDesk();
    const { taskId, escalation_id } = await heldAsTask(key);
    expect((await managerDecides(tenant, escalation_id, "denied")).status).toBe(200);
    expect(await stored(taskId)).toMatchObject({ status: "completed" });
    const done = (await poll(key, taskId)).result;
    expect(done).toMatchObject({ status: "completed", result: { isError: true } });
    expect(done.result.structuredContent).toMatchObject({ outcome: "denied", denial: { code: "approval_denied" } });
    expect(await refundsMade(client)).toHaveLength(0);
  });

  it("makes the refund once when tasks/get polls race the decision", async () => {
    const { key, tenant, client } = await refundDesk();
    const { taskId, escalation_id } = await heldAsTask(key);
    const [decided] = await Promise.all([
      managerDecides(tenant, escalation_id, "approved"),
      poll(key, taskId),
      poll(key, taskId),
      poll(key, taskId),
    ]);
    expect(decided.status).toBe(200);
    const last = (await poll(key, taskId)).result;
    expect(last).toMatchObject({ status: "completed", result: { structuredContent: { outcome: "succeeded" } } });
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("leaves the task to its first poll when it cannot run at decision time, and that poll runs it once", async () => {
    const { key, tenant, agent_id, client } = await refundDesk();
    const { taskId, escalation_id } = await heldAsTask(key);
    // A suspended agent's calls are not run on its behalf, approved or not.
    await admin("PATCH", `/agents/${agent_id}`, { tenant, status: "suspended" });
    expect((await managerDecides(tenant, escalation_id, "approved")).status).toBe(200);
    expect(await stored(taskId)).toMatchObject({ status: "working", claimed_at: null });

    await admin("PATCH", `/agents/${agent_id}`, { tenant, status: "active" });
    const polled = (await poll(key, taskId)).result;
    expect(polled).toMatchObject({ status: "completed", result: { structuredContent: { outcome: "succeeded" } } });
    expect((await poll(key, taskId)).result).toEqual(polled);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("fails the task as soon as its escalation expires undecided, before any poll", async () => {
    const { key, tenant, client } = await refundDesk();
    const { taskId, escalation_id } = await heldAsTask(key);
    const past = new Date(Date.now() - 1000).toISOString();
    await env.DB.prepare(`UPDATE escalations SET expires_at = ? WHERE id = ?`).bind(past, escalation_id).run();
    // The cron's catch-up hands an escalation past its expiry to its object, which expires it as its alarm would.
    const caught = await escalationObject(env, escalation_id).catchUp({
      escalation_id,
      tenant_id: tenant,
      expires_at: past,
      remind_at: null,
    });
    expect(caught).toBe("expired");
    expect(await stored(taskId)).toMatchObject({ status: "failed", arguments: null });
    expect((await poll(key, taskId)).result).toMatchObject({
      status: "failed",
      error: { data: { denial: { code: "approval_expired" } } },
    });
    expect(await refundsMade(client)).toHaveLength(0);
  });
});

describe("the cron clears tasks that ended long ago", () => {
  it("deletes a task that ended past its retention and its ttl, never one still working", async () => {
    const { key, tenant } = await refundDesk();
    const ended = await heldAsTask(key);
    const waiting = await heldAsTask((await refundDesk()).key);
    expect((await managerDecides(tenant, ended.escalation_id, "denied")).status).toBe(200);
    const { ttlMs } = (await poll(key, ended.taskId)).result;

    // A week after it ended, its ttl (the escalation's expiry plus a week) has not passed yet: it stays readable.
    expect(await clearEndedTasks(env.DB, new Date(Date.now() + TASK_RETENTION_MS + 60_000))).toBe(0);
    expect((await poll(key, ended.taskId)).result).toMatchObject({ status: "completed" });

    const later = new Date(Date.now() + ttlMs + 60_000);
    expect(await clearEndedTasks(env.DB, later)).toBeGreaterThanOrEqual(1);
    expect(await stored(ended.taskId)).toBeNull();
    expect(await stored(waiting.taskId)).toMatchObject({ status: "working" });
    expect((await poll(key, ended.taskId)).error).toMatchObject({ code: -32602 });
  });
});
