import { verifyWebhookSignature } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { createWebhookSender } from "../../emulator/node/webhook-sender";
import type { WebhookDelivery } from "../../emulator/notion";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const RECEIVER = "http://127.0.0.1:8787/webhooks/notion/demo";

/** A receiver that answers with the given statuses in turn (a thrown Error for a network failure), then 200. */
function receiver(answers: Array<number | Error> = []) {
  const received: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const post: typeof fetch = async (input, init) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    received.push({
      url: String(input),
      headers: init?.headers as Record<string, string>,
      body: String(init?.body),
    });
    const answer = answers.shift() ?? 200;
    if (answer instanceof Error) throw answer;
    return new Response(answer === 200 ? "" : JSON.stringify({ error: "nope" }), { status: answer });
  };
  return { fetch: post, received, maxInFlight: () => maxInFlight };
}

const delivery = (id: string): WebhookDelivery =>
  ({
    event: { id, type: "page.created" },
    body: JSON.stringify({ id }),
    headers: { "content-type": "application/json", "x-notion-signature": `sha256=${id}` },
  }) as unknown as WebhookDelivery;

describe("the emulator server's webhook sender", () => {
  it("POSTs each delivery with exactly its headers and body, in order, one at a time", async () => {
    const target = receiver();
    const send = createWebhookSender({ url: RECEIVER, fetch: target.fetch });

    await Promise.all(["a", "b", "c"].map((id) => send(delivery(id))));

    expect(target.received.map((r) => r.body)).toEqual(['{"id":"a"}', '{"id":"b"}', '{"id":"c"}']);
    expect(target.received[0]).toEqual({
      url: RECEIVER,
      headers: { "content-type": "application/json", "x-notion-signature": "sha256=a" },
      body: '{"id":"a"}',
    });
    expect(target.maxInFlight()).toBe(1);
  });

  it("retries a network error and a 5xx with backoff, and the next delivery waits its turn", async () => {
    const target = receiver([new TypeError("fetch failed"), 503]);
    const waits: number[] = [];
    const send = createWebhookSender({
      url: RECEIVER,
      fetch: target.fetch,
      sleep: async (ms) => void waits.push(ms),
    });

    await Promise.all([send(delivery("a")), send(delivery("b"))]);

    expect(target.received.map((r) => r.body)).toEqual(['{"id":"a"}', '{"id":"a"}', '{"id":"a"}', '{"id":"b"}']);
    expect(waits).toEqual([500, 1000]);
  });

  it("gives up after the last retry with one log line, and carries on with the next delivery", async () => {
    const target = receiver([500, 500, 500, 500]);
    const lines: string[] = [];
    const send = createWebhookSender({
      url: RECEIVER,
      fetch: target.fetch,
      retryDelaysMs: [0, 0, 0],
      log: (line) => void lines.push(line),
    });

    await expect(send(delivery("a"))).resolves.toBeUndefined();
    await send(delivery("b"));

    expect(target.received.map((r) => r.body)).toEqual([...Array(4).fill('{"id":"a"}'), '{"id":"b"}']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/page\.created a not delivered .* after 4 attempts: 500/);
  });

  it("does not retry a 4xx, and says so in one log line", async () => {
    const target = receiver([401]);
    const lines: string[] = [];
    const send = createWebhookSender({ url: RECEIVER, fetch: target.fetch, log: (line) => void lines.push(line) });

    await send(delivery("a"));

    expect(target.received).toHaveLength(1);
    expect(lines).toEqual([`notion emulator: webhook page.created a refused by ${RECEIVER}: 401 {"error":"nope"}`]);
  });

  it("delivers a person's edit with a signature the Worker can verify", async () => {
    const target = receiver();
    const emulator = startEmulator({ onWebhook: createWebhookSender({ url: RECEIVER, fetch: target.fetch }) });
    const { dataSourceId } = await createPolicies(notion(), emulator);
    const row = await notion().pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    });
    await notion("person:manager").pages.update({ page_id: row.id, properties: { Priority: { number: 3 } } });
    await emulator.webhooksSettled();

    const types = target.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(["page.created", "page.properties_updated"]);
    const last = target.received.at(-1)!;
    expect(
      await verifyWebhookSignature({
        body: last.body,
        signature: last.headers["x-notion-signature"]!,
        verificationToken: emulator.webhookVerificationToken,
      }),
    ).toBe(true);
  });
});
