import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bigRefund, decide, escalationCount, escalationRow, refundDesk, refundsMade } from "../approvals/helpers";
import { standardRows } from "../fixtures/policies";
import { callModern, connectModern, modernRequest, TASKS } from "../support/modern-client";
import { call, connect, newTenant } from "../support/worker";

/** A refund the standard policies hold, made as a Tasks-capable 2026-07-28 client; returns the task it got. */
async function heldAsTask(key: string, args = bigRefund) {
  const answer = await modernRequest(key, "tools/call", { name: "payments.create_refund", arguments: args }, TASKS);
  expect(answer.status).toBe(200);
  return answer.body.result;
}

const poll = async (key: string, taskId: string) => (await modernRequest(key, "tasks/get", { taskId }, TASKS)).body;

describe("held calls as Tasks (MCP 2026-07-28, the Tasks extension)", () => {
  it("returns a task for a held call, durably created, working until a person decides", async () => {
    const { key } = await refundDesk();
    const task = await heldAsTask(key);
    expect(task).toMatchObject({
      resultType: "task",
      taskId: expect.stringMatching(/^task_/),
      status: "working",
      pollIntervalMs: 5000,
      ttlMs: expect.any(Number),
      _meta: { "policy-os/outcome": { outcome: "pending_approval", escalation_id: expect.any(String) } },
    });
    expect(task.statusMessage).toMatch(/approval/);
    const now = await poll(key, task.taskId);
    expect(now.result).toMatchObject({ taskId: task.taskId, status: "working", resultType: "complete" });
  });

  it("runs the call once when approved and completes the task with the outcome; later polls read it back", async () => {
    const { key, client } = await refundDesk();
    const task = await heldAsTask(key);
    const escalation_id = task._meta["policy-os/outcome"].escalation_id;
    await decide(escalation_id, "approved", "manager");

    const done = (await poll(key, task.taskId)).result;
    expect(done).toMatchObject({ status: "completed", result: { isError: false } });
    expect(done.result.structuredContent).toMatchObject({
      outcome: "succeeded",
      escalation_id,
      decision: { reason_code: "approval_granted" },
    });
    const again = (await poll(key, task.taskId)).result;
    expect(again.result).toEqual(done.result);
    expect(await refundsMade(client)).toHaveLength(1);
    expect(await escalationRow(escalation_id)).toMatchObject({
      status: "executed",
      executed_invocation_id: done.result.structuredContent.invocation_id,
    });
  });

  it("runs the call once when two polls arrive together after the approval", async () => {
    const { key, client } = await refundDesk();
    const task = await heldAsTask(key);
    await decide(task._meta["policy-os/outcome"].escalation_id, "approved");
    const polls = await Promise.all([1, 2, 3].map(() => poll(key, task.taskId)));
    expect(polls.some((p) => p.result.status === "completed")).toBe(true);
    const last = (await poll(key, task.taskId)).result;
    expect(last.result.structuredContent).toMatchObject({ outcome: "succeeded" });
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("ends the task with the denial when a person denies the call; nothing runs", async () => {
    const { key, client } = await refundDesk();
    const task = await heldAsTask(key);
    await decide(task._meta["policy-os/outcome"].escalation_id, "denied", "manager");
    const done = (await poll(key, task.taskId)).result;
    // SEP-2663: a tool result with isError is `completed`; `failed` is for JSON-RPC errors only.
    expect(done).toMatchObject({ status: "completed", result: { isError: true } });
    expect(done.result.structuredContent).toMatchObject({
      outcome: "denied",
      denial: { code: "approval_denied", retryable: false },
    });
    expect(await refundsMade(client)).toHaveLength(0);
  });

  it("fails the task with the expiry when nobody decided in time; nothing runs and nobody is asked again", async () => {
    const { key, client, tenant } = await refundDesk();
    const task = await heldAsTask(key);
    await env.DB.prepare(`UPDATE escalations SET expires_at = ? WHERE id = ?`)
      .bind(new Date(Date.now() - 1000).toISOString(), task._meta["policy-os/outcome"].escalation_id)
      .run();
    const done = (await poll(key, task.taskId)).result;
    expect(done).toMatchObject({
      status: "failed",
      error: {
        code: -32000,
        message: expect.stringMatching(/expired .* without a decision/),
        data: { denial: { code: "approval_expired", retryable: true } },
      },
    });
    expect((await poll(key, task.taskId)).result).toEqual(done);
    expect(await refundsMade(client)).toHaveLength(0);
    expect(await escalationCount(tenant)).toBe(1);
  });

  it("cancels a waiting task: an approval after it runs nothing for the task", async () => {
    const { key, client } = await refundDesk();
    const task = await heldAsTask(key);
    const cancelled = await modernRequest(key, "tasks/cancel", { taskId: task.taskId }, TASKS);
    expect(cancelled.body.result).toMatchObject({ resultType: "complete" });
    await decide(task._meta["policy-os/outcome"].escalation_id, "approved");
    expect((await poll(key, task.taskId)).result).toMatchObject({ status: "cancelled" });
    expect(await refundsMade(client)).toHaveLength(0);
  });

  it("refuses a changed, made-up or another agent's task id with the same -32602", async () => {
    const { key } = await refundDesk();
    const other = await newTenant({ rows: standardRows });
    const task = await heldAsTask(key);
    const last = task.taskId.at(-2) === "A" ? "B" : "A";
    const changed = `${task.taskId.slice(0, -2)}${last}${task.taskId.at(-1)}`;
    for (const [who, taskId] of [
      [key, changed],
      [key, "task_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
      [other.key, task.taskId],
    ] as const) {
      const refused = await modernRequest(who, "tasks/get", { taskId }, TASKS);
      expect(refused.body.error).toMatchObject({ code: -32602, message: expect.stringMatching(/unknown task/) });
      const notCancelled = await modernRequest(who, "tasks/cancel", { taskId }, TASKS);
      expect(notCancelled.body.error).toMatchObject({ code: -32602 });
    }
    expect((await poll(key, task.taskId)).result).toMatchObject({ status: "working" });
  });

  it("keeps today's retry contract for a 2026-07-28 client without the extension and for a 2025 client", async () => {
    const { key } = await refundDesk();
    const modern = await connectModern(key);
    const held = await callModern(modern, "payments.create_refund", bigRefund);
    expect(held.outcome).toMatchObject({ outcome: "pending_approval", denial: { code: "approval_required" } });
    await decide(held.outcome.escalation_id!, "approved");
    const retry = await callModern(modern, "payments.create_refund", bigRefund);
    expect(retry.outcome).toMatchObject({ outcome: "succeeded", escalation_id: held.outcome.escalation_id });

    const legacy = await connect((await refundDesk()).key);
    const heldBefore = await call(legacy, "payments.create_refund", bigRefund);
    expect(heldBefore.outcome).toMatchObject({ outcome: "pending_approval" });
    await decide(heldBefore.outcome.escalation_id!, "approved");
    expect((await call(legacy, "payments.create_refund", bigRefund)).outcome).toMatchObject({ outcome: "succeeded" });
  });
});
