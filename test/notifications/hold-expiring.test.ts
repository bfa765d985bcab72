import { env, runDurableObjectAlarm } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { escalationRow } from "../approvals/helpers";
import { admin, call, connect, newTenant } from "../support/worker";
import { eventually, receiver } from "./receiver";

const workerEnv = env as unknown as Record<string, unknown>;
const network = setupServer();
beforeAll(() => {
  network.listen({ onUnhandledRequest: "error" });
  workerEnv.OPS_HOOK_SECRET = "whsec_hold_test";
});
afterEach(() => network.resetHandlers());
afterAll(() => {
  network.close();
  delete workerEnv.OPS_HOOK_SECRET;
});

const objectOf = (escalation_id: string) => env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));

describe("a held call nearing its expiry", () => {
  it("is told to the channels its holding policy names, once, at the reminder's time", async () => {
    const { tenant, key } = await newTenant({
      settings: { approval_reminder_seconds: 1 },
      rows: [
        {
          Name: "Refunds over $500 need a manager",
          "Policy ID": "refund-over-limit",
          Type: "approval",
          Mode: "pause",
          Status: "Active",
          Tools: "payments.create_refund",
          Condition: "args.amount_cents > 50000",
          Approvers: ["manager"],
          Channels: ["ops"],
        },
      ],
    });
    const url = `https://ops.test/${tenant}/holds`;
    await admin("POST", `/channels?tenant=${tenant}`, { name: "ops", kind: "webhook", url, secret: "OPS_HOOK_SECRET" });
    const ops = receiver(url);
    network.use(ops.handler);

    const held = await call(await connect(key), "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: 75_000,
      reason: "damaged in transit",
    });
    expect(held.outcome.outcome).toBe("pending_approval");
    const escalation_id = held.outcome.escalation_id!;
    const row = (await escalationRow(escalation_id))!;
    // The reminder is due a second after the call; the alarm may have run by itself already.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(row.remind_at) - Date.now() + 50)));
    await runDurableObjectAlarm(objectOf(escalation_id));
    await runDurableObjectAlarm(objectOf(escalation_id));

    expect(await eventually(() => ops.received.length > 0)).toBe(true);
    const told = JSON.parse(ops.received[0]!.body);
    expect(told).toMatchObject({
      id: `hold:${escalation_id}`,
      kind: "hold_expiring",
      facts: { escalation_id, tool: "payments.create_refund", expires_at: row.expires_at },
    });
    expect(
      await eventually(async () => {
        const rows = (await admin("GET", `/notifications?tenant=${tenant}`)).body.notifications as any[];
        return rows.length === 1 && rows[0].status === "delivered";
      }),
    ).toBe(true);
    expect(ops.received).toHaveLength(1);
  });
});
