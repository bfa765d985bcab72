import { env } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { admin, call, connect, newTenant } from "../support/worker";
import { eventually, receiver } from "./receiver";

const workerEnv = env as unknown as Record<string, unknown>;
const network = setupServer();
beforeAll(() => {
  network.listen({ onUnhandledRequest: "error" });
  workerEnv.BUDGET_HOOK_SECRET = "whsec_budget_test";
});
afterEach(() => network.resetHandlers());
afterAll(() => {
  network.close();
  delete workerEnv.BUDGET_HOOK_SECRET;
});

describe("a cost cap", () => {
  it("tells its channel when a day's spend crosses 80% and 100%, once each, however many calls follow", async () => {
    const { tenant, key } = await newTenant({
      rows: [
        {
          Name: "Each agent refunds at most $10 a day",
          "Policy ID": "daily-refund-cap",
          Type: "cost",
          Mode: "block",
          Status: "Active",
          Tools: "payments.create_refund",
          Cap: 1000,
          Unit: "usd_cents",
          Window: "day",
          Per: "agent",
          Cost: "args.amount_cents",
          Channels: ["finance"],
        },
      ],
    });
    const url = `https://finance.test/${tenant}/budget`;
    await admin("POST", `/channels?tenant=${tenant}`, {
      name: "finance",
      kind: "webhook",
      url,
      secret: "BUDGET_HOOK_SECRET",
    });
    const finance = receiver(url);
    network.use(finance.handler);
    const client = await connect(key);
    const refund = (amount_cents: number) =>
      call(client, "payments.create_refund", { customer_id: "cus_002", amount_cents, reason: "goodwill" });

    expect((await refund(500)).outcome.outcome).toBe("succeeded");
    expect((await refund(300)).outcome.outcome).toBe("succeeded");
    expect((await refund(100)).outcome.outcome).toBe("succeeded");
    expect((await refund(100)).outcome.outcome).toBe("succeeded");
    expect((await refund(100)).outcome.denial?.code).toBe("budget_exhausted");
    expect((await refund(100)).outcome.denial?.code).toBe("budget_exhausted");

    expect(await eventually(() => finance.received.length >= 2)).toBe(true);
    // Every delivery is settled before the count is read: a third would be on the list by then.
    expect(
      await eventually(async () => {
        const rows = (await admin("GET", `/notifications?tenant=${tenant}`)).body.notifications as any[];
        return rows.length === 2 && rows.every((row) => row.status === "delivered");
      }),
    ).toBe(true);
    const told = finance.received.map((r) => JSON.parse(r.body));
    expect(told.map((event) => event.facts.threshold_percent).sort()).toEqual([100, 80]);
    expect(told.find((event) => event.facts.threshold_percent === 80)).toMatchObject({
      kind: "budget_threshold",
      facts: { policy_id: "daily-refund-cap", limit: 1000, used: 800, unit: "usd_cents", window: "day" },
    });
    expect(told.find((event) => event.facts.threshold_percent === 100).facts.used).toBe(1000);
  });
});
