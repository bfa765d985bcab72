import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { MAX_ATTEMPTS } from "../../src/notifications/consumer";
import { notify, type NotificationEvent } from "../../src/notifications/notify";
import { admin, newTenant } from "../support/worker";
import { expectedSignature, receiver } from "./receiver";

const SIGNING_SECRET = "whsec_test_signing_secret";
const SLACK_URL = "https://hooks.slack.test/services/T000/B000/secretpath";
const workerEnv = env as unknown as Record<string, unknown>;

const network = setupServer();
beforeAll(() => {
  network.listen({ onUnhandledRequest: "error" });
  workerEnv.ALERTS_SIGNING_SECRET = SIGNING_SECRET;
  workerEnv.ALERTS_SLACK_URL = SLACK_URL;
});
afterEach(() => network.resetHandlers());
afterAll(() => {
  network.close();
  delete workerEnv.ALERTS_SIGNING_SECRET;
  delete workerEnv.ALERTS_SLACK_URL;
});

let n = 0;
/** A tenant with a default webhook channel at a URL of its own. */
async function tenantWithWebhook() {
  const { tenant } = await newTenant();
  const url = `https://receiver.test/${tenant}/hook`;
  const made = await admin("POST", `/channels?tenant=${tenant}`, {
    name: "ops-hook",
    kind: "webhook",
    url,
    secret: "ALERTS_SIGNING_SECRET",
    default: true,
  });
  expect(made.status).toBe(201);
  return { tenant, url };
}

function event(tenant: string, overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    tenant_id: tenant,
    event_id: `evt_${Date.now()}_${n++}`,
    kind: "alert",
    title: "Finance hears about every refund: support-bot called payments.create_refund",
    summary: "Agent support-bot called payments.create_refund; the call succeeded (refund_alert).",
    facts: { tool: "payments.create_refund", amount_cents: 1200 },
    ...overrides,
  };
}

/**
 * Hands `body` to the queue consumer as the message's `attempts`th delivery; returns what the consumer decided and
 * the delays it asked for (the test harness reports retries without their delay).
 */
async function consume(body: NotificationEvent, attempts = 1) {
  const batch = createMessageBatch<NotificationEvent>("policy-os-notifications", [
    { id: `msg_${n++}`, timestamp: new Date(), attempts, body },
  ]);
  const delays: (number | undefined)[] = [];
  const watched: MessageBatch<NotificationEvent> = {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: batch.messages.map((message) => ({
      id: message.id,
      timestamp: message.timestamp,
      attempts: message.attempts,
      body: message.body,
      ack: () => message.ack(),
      retry: (options?: QueueRetryOptions) => {
        delays.push(options?.delaySeconds);
        message.retry(options);
      },
    })),
    ackAll: () => batch.ackAll(),
    retryAll: (options?: QueueRetryOptions) => batch.retryAll(options),
  };
  const ctx = createExecutionContext();
  await worker.queue(watched, env);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

async function deliveries(tenant: string, query = "") {
  return (await admin("GET", `/notifications?tenant=${tenant}${query}`)).body.notifications as any[];
}

describe("delivering a notification", () => {
  it("signs the webhook body with HMAC-SHA256 over the timestamp and body, as a receiver can check", async () => {
    const { tenant, url } = await tenantWithWebhook();
    const hook = receiver(url);
    network.use(hook.handler);
    const sent = event(tenant);

    const result = await consume(sent);

    expect(result.explicitAcks).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    const { headers, body } = hook.received[0]!;
    expect(headers.get("policy-os-event-id")).toBe(sent.event_id);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers.get("policy-os-signature") ?? "") ?? [];
    expect(v1).toBe(await expectedSignature(SIGNING_SECRET, t!, body));
    expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(300);
    expect(v1).not.toBe(await expectedSignature("another secret", t!, body));
    expect(JSON.parse(body)).toMatchObject({ id: sent.event_id, kind: "alert", title: sent.title, facts: sent.facts });
    expect(await deliveries(tenant)).toMatchObject([{ event_id: sent.event_id, status: "delivered", attempts: 1 }]);
  });

  it("retries a receiver's 500 with backoff and then delivers once, under the same event id", async () => {
    const { tenant, url } = await tenantWithWebhook();
    const hook = receiver(url, [500, 200]);
    network.use(hook.handler);
    const sent = event(tenant);

    const first = await consume(sent, 1);
    expect(first.retryMessages).toHaveLength(1);
    expect(first.delays).toEqual([30]);
    expect(await deliveries(tenant)).toMatchObject([
      { status: "pending", attempts: 1, last_error: "the receiver answered HTTP 500" },
    ]);
    const second = await consume(sent, 2);
    expect(second.explicitAcks).toHaveLength(1);
    // The queue may hand the message over again: the delivered channel is not sent to twice.
    await consume(sent, 3);

    expect(hook.received.map((r) => r.headers.get("policy-os-event-id"))).toEqual([sent.event_id, sent.event_id]);
    expect(await deliveries(tenant)).toMatchObject([{ status: "delivered", attempts: 2 }]);
  });

  it("gives up after the last attempt and lists the dead letter with its last error", async () => {
    const { tenant, url } = await tenantWithWebhook();
    const hook = receiver(url, [503]);
    network.use(hook.handler);
    const sent = event(tenant);

    const delays: (number | undefined)[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const result = await consume(sent, attempt);
      delays.push(...result.delays);
    }
    await consume(sent, MAX_ATTEMPTS + 1);

    expect(delays).toEqual([30, 60, 120, 240, 480]);
    expect(hook.received).toHaveLength(MAX_ATTEMPTS);
    const dead = await deliveries(tenant, "&status=dead");
    expect(dead).toMatchObject([
      {
        event_id: sent.event_id,
        channel: "ops-hook",
        attempts: MAX_ATTEMPTS,
        last_error: "the receiver answered HTTP 503",
      },
    ]);
  });

  it("sends Slack a {text, blocks} payload to the URL its Worker secret holds", async () => {
    const { tenant } = await newTenant();
    await admin("POST", `/channels?tenant=${tenant}`, {
      name: "slack-ops",
      kind: "slack",
      url_secret: "ALERTS_SLACK_URL",
    });
    const slack = receiver(SLACK_URL);
    network.use(slack.handler);
    const sent = event(tenant, { channels: ["slack-ops"], url: "https://www.notion.so/abc" });

    await consume(sent);

    const body = JSON.parse(slack.received[0]!.body);
    expect(body.text).toBe(sent.title);
    expect(body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: sent.title } });
    expect(JSON.stringify(body.blocks)).toContain("payments.create_refund");
  });

  it("records an event naming a channel the tenant lacks, or a missing secret, as not deliverable", async () => {
    const { tenant } = await newTenant();
    await admin("POST", `/channels?tenant=${tenant}`, {
      name: "unset",
      kind: "webhook",
      url: "https://receiver.test/unset",
      secret: "NO_SUCH_SECRET",
    });
    const sent = event(tenant, { channels: ["unset", "nowhere"] });

    await consume(sent);

    const rows = await deliveries(tenant);
    expect(rows.find((row) => row.channel === "nowhere")).toMatchObject({
      status: "undeliverable",
      last_error: "the tenant has no channel of this name",
    });
    expect(rows.find((row) => row.channel === "unset")).toMatchObject({
      status: "dead",
      attempts: 1,
      last_error: "the Worker secret NO_SUCH_SECRET is not set",
    });
  });

  it("redacts PII in an event's texts before it is queued", async () => {
    const { tenant, url } = await tenantWithWebhook();
    const hook = receiver(url);
    network.use(hook.handler);
    const queued: unknown[] = [];
    const capture = { ...env, NOTIFICATIONS: { send: async (body: unknown) => void queued.push(body) } };
    await notify(
      capture as unknown as Env,
      event(tenant, { summary: "Refund for pat@example.com, card 4111 1111 1111 1111" }),
    );

    await consume(queued[0] as NotificationEvent);

    const body = hook.received[0]!.body;
    expect(body).not.toContain("pat@example.com");
    expect(body).not.toContain("4111");
    expect(JSON.parse(body).summary).toContain("[REDACTED:email]");
  });

  it("records the event as undeliverable when the deployment has no queue, without throwing", async () => {
    const { tenant } = await tenantWithWebhook();
    const { NOTIFICATIONS: _, ...withoutQueue } = env;
    const sent = event(tenant);

    await expect(notify(withoutQueue as unknown as Env, sent)).resolves.toBeUndefined();

    expect(await deliveries(tenant)).toMatchObject([
      { event_id: sent.event_id, channel: "ops-hook", status: "undeliverable", attempts: 0 },
    ]);
  });
});
