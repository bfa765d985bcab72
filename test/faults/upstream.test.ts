import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../src/pipeline/outcome";
import { decide, ledgerEntries } from "../approvals/helpers";
import { createFakeUpstream } from "../fakes/upstream-mcp";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

const UPSTREAM = "https://tickets.faults.example/mcp";
const upstream = createFakeUpstream({ url: UPSTREAM });
const network = setupServer(...upstream.handlers);

beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterEach(() => network.resetHandlers());
afterAll(() => network.close());

const ticket = { title: "Printer on fire", priority: "high" };

/** A tenant whose agent reaches the fake tickets upstream, registered with `timeout_ms`, plus its MCP client. */
async function desk(options: { rows?: unknown[]; timeout_ms?: number } = {}) {
  const tenant = await newTenant({ rows: options.rows ?? [] });
  const registered = await admin("POST", `/hosts?tenant=${tenant.tenant}`, {
    id: "tickets",
    url: UPSTREAM,
    timeout_ms: options.timeout_ms ?? 2_000,
  });
  expect(registered.status).toBe(201);
  return { ...tenant, client: await connect(tenant.key) };
}

/**
 * From now on the upstream answers every `tools/call` with `answer` (initialize and tools/list still work); returns
 * the invocation ids of the calls it received, so a test can see that nothing was sent twice.
 */
function faultOnCalls(answer: (id: string, request: Request) => Response | Promise<Response>): string[] {
  const received: string[] = [];
  network.use(
    http.post(UPSTREAM, async ({ request: mswRequest }) => {
      // msw types its request with the DOM lib; at run time it is workerd's Request.
      const request = mswRequest as unknown as Request;
      const body = (await request
        .clone()
        .json()
        .catch(() => null)) as { method?: string; id?: string } | null;
      if (body?.method !== "tools/call") return undefined;
      received.push(String(body.id));
      return answer(String(body.id), request);
    }),
  );
  return received;
}

/**
 * What must hold for every failed call: one decision entry then one outcome entry (an approved call also has its
 * escalation's `executed` entry), its audit row, and a ledger that verifies.
 */
async function expectRecorded(tenant: string, outcome: Outcome, error_code: string) {
  const entries = (await ledgerEntries(tenant)).filter((e) => e.invocation_id === outcome.invocation_id);
  expect(entries.map((e) => e.kind).filter((kind) => kind === "decision" || kind === "outcome")).toEqual([
    "decision",
    "outcome",
  ]);
  const rows = await auditRows(tenant, 1, "&outcome=failed");
  expect(rows.find((row) => row.invocation_id === outcome.invocation_id)).toMatchObject({
    tool: "tickets.create_ticket",
    error_code,
  });
  expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body.ok).toBe(true);
}

const sse = (chunks: string[], end: "close" | "error") =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        if (end === "close") controller.close();
        else controller.error(new Error("connection reset by peer"));
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );

type Expected = { code: string; retryable: boolean; message: RegExp };
const MAY_HAVE_RUN = /may have run there, so check on host tickets before calling again/;

const faults: [label: string, answer: (id: string) => Response | Promise<Response>, expected: Expected][] = [
  [
    "refuses the connection",
    () => HttpResponse.error(),
    { code: "host_unavailable", retryable: false, message: /could not be reached.*may have run/ },
  ],
  [
    "answers HTTP 500",
    () => new HttpResponse("Internal Server Error", { status: 500 }),
    { code: "host_unavailable", retryable: false, message: MAY_HAVE_RUN },
  ],
  [
    "answers HTTP 503, so it took nothing",
    () => new HttpResponse("overloaded", { status: 503 }),
    { code: "host_unavailable", retryable: true, message: /answered HTTP 503$/ },
  ],
  [
    "answers 200 with a body that is not JSON",
    () => HttpResponse.text("<html><body>502 Bad Gateway</body></html>"),
    { code: "host_unavailable", retryable: false, message: /ended its answer without a result.*may have run/ },
  ],
  [
    "answers with JSON that is not a JSON-RPC response",
    () => HttpResponse.json({ status: "ok", data: [1, 2, 3] }),
    { code: "host_unavailable", retryable: false, message: MAY_HAVE_RUN },
  ],
  [
    "answers with another call's id",
    () => HttpResponse.json({ jsonrpc: "2.0", id: "inv_someone_else", result: { content: [] } }),
    { code: "host_unavailable", retryable: false, message: MAY_HAVE_RUN },
  ],
  [
    "answers with a result that is not a tool result",
    (id) => HttpResponse.json({ jsonrpc: "2.0", id, result: { content: "not a list", isError: "maybe" } }),
    { code: "host_error", retryable: false, message: /malformed tool result/ },
  ],
  [
    "answers with a JSON-RPC error",
    (id) => HttpResponse.json({ jsonrpc: "2.0", id, error: { code: -32603, message: "database is locked" } }),
    { code: "host_rejected", retryable: false, message: /rejected the call: database is locked \(JSON-RPC -32603\)/ },
  ],
  [
    "cuts its SSE stream in the middle of the answer",
    () => sse(['event: message\ndata: {"jsonrpc":"2.0","id":"inv_', "12"], "close"),
    { code: "host_unavailable", retryable: false, message: /ended its answer without a result.*may have run/ },
  ],
  [
    "resets its SSE stream in the middle of the answer",
    () => sse([": keep-alive\n\n", 'event: message\ndata: {"jsonrpc":'], "error"),
    { code: "host_unavailable", retryable: false, message: MAY_HAVE_RUN },
  ],
  [
    "streams keep-alive comments past 4 MB without ever answering",
    () =>
      sse(
        Array.from({ length: 80 }, () => `: ${"ping ".repeat(13_000)}\n\n`),
        "close",
      ),
    { code: "host_unavailable", retryable: false, message: MAY_HAVE_RUN },
  ],
  [
    "redirects the call to the metadata service",
    () => new HttpResponse(null, { status: 307, headers: { location: "http://169.254.169.254/latest/meta-data/" } }),
    { code: "host_rejected", retryable: false, message: /refused the request \(HTTP 307\)/ },
  ],
];

describe("an upstream host that misbehaves under a call", () => {
  it.for(faults)(
    "that %s: the call fails with a code, sent once, with both ledger entries and its audit row",
    async ([, answer, expected]) => {
      const { client, tenant } = await desk();
      const received = faultOnCalls(answer);
      const { outcome, isError } = await call(client, "tickets.create_ticket", ticket);
      expect(isError).toBe(true);
      expect(outcome).toMatchObject({
        outcome: "failed",
        status: "failed",
        success: false,
        data: null,
        denial: null,
        decision: { decision: "authorized" },
        error: { code: expected.code, retryable: expected.retryable },
      });
      expect(outcome.error!.message).toMatch(expected.message);
      expect(received).toEqual([outcome.invocation_id]);
      await expectRecorded(tenant, outcome, expected.code);
    },
  );
});

describe("an upstream host that is too slow", () => {
  it("fails the call at its timeout, and an answer that comes after changes nothing", async () => {
    const { client, tenant } = await desk({ timeout_ms: 300 });
    const late: string[] = [];
    // The upstream holds the call until the gateway gives up on it, then answers that it succeeded.
    const received = faultOnCalls(async (id, request) => {
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      late.push(id);
      return HttpResponse.json({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "done late" }] } });
    });
    const { outcome } = await call(client, "tickets.create_ticket", ticket);
    expect(outcome).toMatchObject({
      outcome: "failed",
      error: { code: "host_unavailable", retryable: false, message: expect.stringMatching(MAY_HAVE_RUN) },
    });
    expect(outcome.error!.message).toContain("did not answer within 300 ms");
    await expectRecorded(tenant, outcome, "host_unavailable");
    expect(late).toEqual([outcome.invocation_id]);
    expect(received).toEqual([outcome.invocation_id]);
  });
});

describe("an upstream host that starts an answer and never finishes it", () => {
  it("fails the call at its timeout, sent once, with both ledger entries", async () => {
    const { client, tenant } = await desk({ timeout_ms: 300 });
    const received = faultOnCalls(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start: (controller) => controller.enqueue(new TextEncoder().encode(": still thinking\n\n")),
          }),
          { headers: { "content-type": "text/event-stream" } },
        ),
    );
    const { outcome } = await call(client, "tickets.create_ticket", ticket);
    expect(outcome).toMatchObject({
      outcome: "failed",
      error: { code: "host_unavailable", retryable: false, message: expect.stringMatching(MAY_HAVE_RUN) },
    });
    expect(outcome.error!.message).toContain("did not answer within 300 ms");
    await expectRecorded(tenant, outcome, "host_unavailable");
    expect(received).toEqual([outcome.invocation_id]);
  });
});

describe("an approved call whose upstream outcome is unknown", () => {
  it("uses its approval, so repeating the call does not run it a second time", async () => {
    const approval = {
      Name: "Tickets need a manager",
      "Policy ID": "tickets_need_manager",
      Type: "approval",
      Mode: "pause",
      Status: "Active",
      Tools: "tickets.create_ticket",
      "Reason code": "ticket_review",
      Message: "A manager reviews new tickets.",
      Approvers: ["manager"],
    };
    const { client, tenant } = await desk({ rows: [approval] });
    const held = await call(client, "tickets.create_ticket", ticket);
    expect(held.outcome.outcome).toBe("pending_approval");
    await decide(held.outcome.escalation_id!, "approved");

    const received = faultOnCalls(() => new HttpResponse("Internal Server Error", { status: 500 }));
    const ran = await call(client, "tickets.create_ticket", ticket);
    expect(ran.outcome).toMatchObject({
      outcome: "failed",
      escalation_id: held.outcome.escalation_id,
      error: { code: "host_unavailable", retryable: false },
    });
    await expectRecorded(tenant, ran.outcome, "host_unavailable");

    const again = await call(client, "tickets.create_ticket", ticket);
    expect(again.outcome).toMatchObject({ outcome: "denied", denial: { code: "approval_already_used" } });
    expect(received).toEqual([ran.outcome.invocation_id]);
  });
});
