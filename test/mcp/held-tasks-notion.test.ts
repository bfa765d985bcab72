import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signedDelivery } from "../../emulator/notion/webhooks";
import { escalationRow } from "../approvals/helpers";
import { notion, useEmulatorNetwork } from "../emulator/helpers";
import { modernRequest, TASKS } from "../support/modern-client";
import { connectedTenant, disconnectAfterEach } from "../support/notion-tenant";
import { BASE } from "../support/worker";

useEmulatorNetwork();

disconnectAfterEach();

const refund = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged in transit" };

/** Waits until `check` holds (the page is written, and the webhook's intake runs, after the answer). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("a held call as a task, decided by a person in Notion", () => {
  it("makes the refund when ops sets Approved on the page; tasks/get returns it, and the page says Executed", async () => {
    const t = await connectedTenant({ approvers: ["ops", "manager"] });
    const held = await modernRequest(t.key, "tools/call", { name: "payments.create_refund", arguments: refund }, TASKS);
    const task = held.body.result;
    expect(task).toMatchObject({ resultType: "task", status: "working" });
    const escalation_id = task._meta["policy-os/outcome"].escalation_id as string;
    const { notion_page_id } = (await until(
      () => escalationRow(escalation_id),
      (row) => Boolean(row?.notion_page_id),
      "the approval page",
    ))!;

    const before = t.emulator.webhookEvents.length;
    await notion("person:ops").pages.update({
      page_id: notion_page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });
    await t.emulator.webhooksSettled();
    for (const event of t.emulator.webhookEvents.slice(before)) {
      const delivery = await signedDelivery(event, "secret_emulator_webhook");
      const answer = await SELF.fetch(`${BASE}/webhooks/notion/${t.tenant}`, { method: "POST", ...delivery });
      expect(answer.status).toBe(202);
    }
    // The call runs when the decision is taken, before the client polls.
    await until(
      () =>
        env.DB.prepare(`SELECT status FROM mcp_tasks WHERE task_id = ?`).bind(task.taskId).first<{ status: string }>(),
      (row) => row?.status === "completed",
      "the task's run at decision time",
    );

    const polled = await modernRequest(t.key, "tasks/get", { taskId: task.taskId }, TASKS);
    expect(polled.body.result).toMatchObject({ status: "completed", result: { isError: false } });
    expect(polled.body.result.result.structuredContent).toMatchObject({
      outcome: "succeeded",
      escalation_id,
      decision: { reason_code: "approval_granted" },
    });
    const executed = await until(
      () => escalationRow(escalation_id),
      (row) => row?.page_decision === "executed",
      "the page's Executed mark",
    );
    expect(executed).toMatchObject({ status: "executed", decided_by: "ops@example.com" });
  });
});
