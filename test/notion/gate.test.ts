import { env } from "cloudflare:test";
import { APIResponseError, Client } from "@notionhq/client";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gatedFetch, NotionGateError } from "../../src/notion/gated-fetch";

const arrivals: { at: number; method: string; path: string }[] = [];
const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  msw.resetHandlers();
  arrivals.length = 0;
});
afterAll(() => msw.close());

const record = (request: { method: string; url: string }) =>
  arrivals.push({ at: Date.now(), method: request.method, path: new URL(request.url).pathname });
const user = (id: string) => ({ object: "user", id, type: "bot", bot: {}, name: "Policy OS", avatar_url: null });
const rateLimited = (retryAfter: string) =>
  HttpResponse.json(
    { object: "error", status: 429, code: "rate_limited", message: "Slow down." },
    { status: 429, headers: { "retry-after": retryAfter } },
  );

let gates = 0;
/** A client whose every request passes through a fresh gate, with the client's own retries off. */
function gatedClient(options: { deadline_ms?: number } = {}) {
  const gate = env.NOTION_GATE.get(env.NOTION_GATE.idFromName(`gate-test-${Date.now()}-${gates++}`));
  return { gate, client: new Client({ auth: "secret_test", fetch: gatedFetch(gate, options), retry: false }) };
}

/** The most requests that arrived within any one-second window. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! < 1000) j++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe("the Notion gate", () => {
  it("keeps an integration under three requests in any second, however many calls arrive at once", async () => {
    msw.use(
      http.get(
        "https://api.notion.com/v1/users/:id",
        ({ request, params }) => (record(request), HttpResponse.json(user(String(params.id)))),
      ),
    );
    const { client, gate } = gatedClient();
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => client.users.retrieve({ user_id: `u${i}` })));
    expect(users.map((u) => u.id)).toEqual(["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"]);
    expect(arrivals).toHaveLength(8);
    // The gate's own send times: arrivals measured at the fake Notion also carry the delivery's jitter, which can
    // bunch four into a second on a loaded machine however the gate spaced them.
    const sends = await gate.sends();
    expect(sends).toHaveLength(8);
    expect(busiestSecond(sends)).toBeLessThanOrEqual(3);
    // Eight requests three to a second take more than two seconds from the first send to the last.
    expect(sends.at(-1)! - sends[0]!).toBeGreaterThanOrEqual(2000);
    expect(await gate.counters()).toMatchObject({ requests: 8, sent: 8, rate_limited: 0 });
  });

  it("waits out a 429's Retry-After before Notion sees the request again, then succeeds", async () => {
    let refusals = 2;
    msw.use(
      http.get("https://api.notion.com/v1/users/:id", ({ request }) => {
        record(request);
        return refusals-- > 0 ? rateLimited("1") : HttpResponse.json(user("u1"));
      }),
    );
    const { client, gate } = gatedClient();
    expect((await client.users.retrieve({ user_id: "u1" })).id).toBe("u1");
    const [first, second, third] = arrivals.map((a) => a.at);
    expect(second! - first!).toBeGreaterThanOrEqual(1000);
    expect(third! - second!).toBeGreaterThanOrEqual(1000);
    expect(await gate.counters()).toMatchObject({ rate_limited: 2, retries: 2 });
  });

  it("gives up at the call's deadline instead of waiting out a long Retry-After", async () => {
    msw.use(http.get("https://api.notion.com/v1/users/:id", ({ request }) => (record(request), rateLimited("30"))));
    const { client, gate } = gatedClient({ deadline_ms: 1500 });
    const started = Date.now();
    const error = await client.users.retrieve({ user_id: "u1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotionGateError);
    expect((error as NotionGateError).reason).toBe("deadline_exceeded");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(arrivals).toHaveLength(1);
    expect(await gate.counters()).toMatchObject({ deadline_exceeded: 1 });
  });

  it("never repeats a page creation that failed with a server error (it may have been created)", async () => {
    msw.use(
      http.post("https://api.notion.com/v1/pages", ({ request }) => {
        record(request);
        return HttpResponse.json(
          { object: "error", status: 503, code: "service_unavailable", message: "Busy." },
          { status: 503 },
        );
      }),
    );
    const { client } = gatedClient();
    const error = await client.pages
      .create({ parent: { page_id: "p1" }, properties: { title: { title: [{ text: { content: "x" } }] } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIResponseError);
    expect((error as APIResponseError).status).toBe(503);
    expect(arrivals).toHaveLength(1);
  });

  it("retries a read after a server error", async () => {
    let failures = 1;
    msw.use(
      http.get("https://api.notion.com/v1/users/:id", ({ request }) => {
        record(request);
        return failures-- > 0
          ? HttpResponse.json(
              { object: "error", status: 502, code: "internal_server_error", message: "Oops." },
              { status: 502 },
            )
          : HttpResponse.json(user("u1"));
      }),
    );
    const { client, gate } = gatedClient();
    expect((await client.users.retrieve({ user_id: "u1" })).id).toBe("u1");
    expect(arrivals).toHaveLength(2);
    expect(await gate.counters()).toMatchObject({ server_errors: 1, retries: 1 });
  });
});
