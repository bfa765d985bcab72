import { env } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { admin, call, connect, newTenant } from "../support/worker";
import { eventually, expectedSignature, receiver } from "./receiver";

const SIGNING_SECRET = "whsec_alerts_test";
const workerEnv = env as unknown as Record<string, unknown>;

const network = setupServer();
beforeAll(() => {
  network.listen({ onUnhandledRequest: "error" });
  workerEnv.FINANCE_HOOK_SECRET = SIGNING_SECRET;
});
afterEach(() => network.resetHandlers());
afterAll(() => {
  network.close();
  delete workerEnv.FINANCE_HOOK_SECRET;
});

/** A tenant whose alert row tells the `finance` webhook about every refund. */
async function refundAlertTenant() {
  const created = await newTenant({
    rows: [
      {
        Name: "Finance hears about every refund",
        "Policy ID": "refund-alert",
        Type: "compliance",
        Mode: "alert",
        Status: "Active",
        Tools: "payments.create_refund",
        Channels: ["finance"],
      },
    ],
  });
  const url = `https://finance.test/${created.tenant}/policy-os`;
  const channel = await admin("POST", `/channels?tenant=${created.tenant}`, {
    name: "finance",
    kind: "webhook",
    url,
    secret: "FINANCE_HOOK_SECRET",
  });
  expect(channel.status).toBe(201);
  return { ...created, url };
}

const refund = {
  customer_id: "cus_002",
  amount_cents: 1200,
  reason: "Refund requested by pat.doe@example.com for card 4111 1111 1111 1111",
};

describe("an alert row", () => {
  it("notifies the channel it names of each matching call, with the arguments redacted", async () => {
    const { tenant, key, url } = await refundAlertTenant();
    const finance = receiver(url);
    network.use(finance.handler);

    const { outcome } = await call(await connect(key), "payments.create_refund", refund);

    expect(outcome.outcome).toBe("succeeded");
    expect(await eventually(() => finance.received.length > 0)).toBe(true);
    const { headers, body } = finance.received[0]!;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers.get("policy-os-signature") ?? "") ?? [];
    expect(v1).toBe(await expectedSignature(SIGNING_SECRET, t!, body));
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      id: `alert:${outcome.invocation_id}:refund-alert`,
      kind: "alert",
      facts: { policy_id: "refund-alert", tool: "payments.create_refund", outcome: "succeeded" },
    });
    expect(headers.get("policy-os-event-id")).toBe(payload.id);
    expect(body).not.toContain("pat.doe@example.com");
    expect(body).not.toContain("4111 1111 1111 1111");
    expect(payload.summary).toContain("[REDACTED:email]");
    expect(
      await eventually(async () => {
        const rows = (await admin("GET", `/notifications?tenant=${tenant}`)).body.notifications as any[];
        return rows.some((row) => row.event_id === payload.id && row.status === "delivered");
      }),
    ).toBe(true);
  });

  it("does not hold up or fail the call when the channel's receiver is down", async () => {
    const { tenant, key, url } = await refundAlertTenant();
    const finance = receiver(url, [503]);
    network.use(finance.handler);

    const { outcome } = await call(await connect(key), "payments.create_refund", refund);

    expect(outcome.outcome).toBe("succeeded");
    expect(outcome.success).toBe(true);
    expect(
      await eventually(async () => {
        const rows = (await admin("GET", `/notifications?tenant=${tenant}`)).body.notifications as any[];
        return rows.some((row) => row.status === "pending" && row.last_error === "the receiver answered HTTP 503");
      }),
    ).toBe(true);
  });

  it("refuses a Channels cell that names no valid channel", async () => {
    const { tenant } = await newTenant();
    const set = await admin("PUT", `/policies?tenant=${tenant}`, {
      rows: [
        {
          Name: "Alert",
          "Policy ID": "a",
          Type: "compliance",
          Mode: "alert",
          Status: "Active",
          Tools: "payments.*",
          Channels: ["Finance Team"],
        },
      ],
    });
    expect(set.status).toBe(422);
    expect(JSON.stringify(set.body)).toContain("Channels:");
  });
});
