import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../src/pipeline/outcome";
import { ledgerEntries } from "../approvals/helpers";
import { createFakeUpstream } from "../fakes/upstream-mcp";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

const UPSTREAM = "https://tickets.circuit.example/mcp";
const upstream = createFakeUpstream({ url: UPSTREAM });
const network = setupServer(...upstream.handlers);

beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterEach(() => network.resetHandlers());
afterAll(() => network.close());

const ticket = { title: "Printer on fire", priority: "high" };
const blockTickets = {
  Name: "No new tickets",
  "Policy ID": "no_new_tickets",
  Type: "block",
  Mode: "block",
  Status: "Active",
  Tools: "tickets.create_ticket",
  "Reason code": "tickets_frozen",
  Message: "Ticket creation is frozen.",
};

/** A tenant whose agent reaches the fake tickets upstream (with `circuit` settings, if any), plus its MCP client. */
async function desk(options: { rows?: unknown[]; circuit?: Record<string, number> } = {}) {
  const tenant = await newTenant({ rows: options.rows ?? [] });
  const registered = await admin("POST", `/hosts?tenant=${tenant.tenant}`, {
    id: "tickets",
    url: UPSTREAM,
    timeout_ms: 2_000,
    ...(options.circuit ? { circuit: options.circuit } : {}),
  });
  expect(registered.status).toBe(201);
  return { ...tenant, client: await connect(tenant.key) };
}

/**
 * The upstream's `tools/call` answers, switchable: `fail` answers 503 (it took nothing), `ok` lets the call run,
 * `hold` keeps it until `release()`, `hang` never answers (the call times out), `reject` refuses the arguments with
 * a JSON-RPC error. `received` counts the calls that reached the host.
 */
function hostOnCommand() {
  const state = {
    mode: "ok" as "ok" | "fail" | "hold" | "hang" | "reject",
    received: 0,
    release: () => {},
  };
  let held = new Promise<void>((resolve) => (state.release = resolve));
  network.use(
    http.post(UPSTREAM, async ({ request }) => {
      const body = (await request
        .clone()
        .json()
        .catch(() => null)) as { method?: string; id?: string } | null;
      if (body?.method !== "tools/call") return undefined;
      state.received++;
      if (state.mode === "fail") return new HttpResponse("overloaded", { status: 503 });
      if (state.mode === "hang") {
        await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
        return HttpResponse.error();
      }
      if (state.mode === "reject")
        return HttpResponse.json({
          jsonrpc: "2.0",
          id: body.id,
          error: { code: -32602, message: "title is too long" },
        });
      if (state.mode === "hold") await held;
      return undefined; // the fake upstream runs the call
    }),
  );
  return {
    state,
    reopenHold: () => (held = new Promise<void>((resolve) => (state.release = resolve))),
  };
}

/** The tickets host's entry of `GET /admin/hosts`, once `until` holds of it (reports arrive just after answers). */
async function ticketsHost(tenant: string, until: (host: any) => boolean = () => true): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const { body } = await admin("GET", `/hosts?tenant=${tenant}`);
    const host = (body.hosts as any[]).find((h) => h.id === "tickets");
    if (until(host) || attempt >= 200) return host;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Client = Awaited<ReturnType<typeof connect>>;

/** Makes `n` calls that the host fails, one after another. */
async function failCalls(client: Client, n: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < n; i++) outcomes.push((await call(client, "tickets.create_ticket", ticket)).outcome);
  return outcomes;
}

describe("a host whose calls keep failing", () => {
  it("opens its circuit at five failures; calls then fail fast as host_unavailable, retryable, without reaching the host", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    host.state.mode = "fail";
    const failures = await failCalls(client, 5);
    expect(failures.every((o) => o.error?.code === "host_unavailable")).toBe(true);
    expect((await ticketsHost(tenant, (h) => h.health.circuit === "open")).health.circuit).toBe("open");

    const fast = await call(client, "tickets.create_ticket", ticket);
    expect(fast.isError).toBe(true);
    expect(fast.outcome).toMatchObject({
      outcome: "failed",
      status: "failed",
      denial: null,
      decision: { decision: "authorized" },
      error: { code: "host_unavailable", retryable: true, details: { circuit: "open" } },
    });
    const retryAfter = Date.parse(String(fast.outcome.error!.details!.retry_after));
    expect(retryAfter).toBeGreaterThan(Date.now() + 20_000);
    expect(host.state.received).toBe(5);

    // Recorded like any host failure: its decision and outcome entries, and its audit row.
    const entries = (await ledgerEntries(tenant)).filter((e) => e.invocation_id === fast.outcome.invocation_id);
    expect(entries.map((e) => e.kind)).toEqual(["decision", "outcome"]);
    expect(entries[1].body).toMatchObject({ outcome: "failed", error_code: "host_unavailable" });
    const rows = await auditRows(tenant, 6, "&outcome=failed");
    expect(rows.find((row) => row.invocation_id === fast.outcome.invocation_id)).toMatchObject({
      decision: "authorized",
      error_code: "host_unavailable",
    });
  });

  it("stays closed below the failure threshold", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    host.state.mode = "fail";
    await failCalls(client, 4);
    host.state.mode = "ok";
    const ran = await call(client, "tickets.create_ticket", ticket);
    expect(ran.outcome.outcome).toBe("succeeded");
    expect((await ticketsHost(tenant, (h) => h.health.calls_in_window === 5)).health.circuit).toBe("closed");
  });
});

describe("a host whose circuit is open after its cool-down", () => {
  it("lets exactly one probe through however many calls arrive at once, and closes when the probe succeeds", async () => {
    const { client, tenant } = await desk({ circuit: { min_failures: 2, cooldown_ms: 0 } });
    const host = hostOnCommand();
    host.state.mode = "fail";
    await failCalls(client, 2);
    await ticketsHost(tenant, (h) => h.health.circuit === "open");

    host.state.mode = "hold";
    const settled: Outcome[] = [];
    const calls = Array.from({ length: 6 }, () =>
      call(client, "tickets.create_ticket", ticket).then(({ outcome }) => void settled.push(outcome)),
    );
    // Five are turned away while the probe is held at the host.
    for (let attempt = 0; settled.length < 5 && attempt < 500; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toHaveLength(5);
    expect(host.state.received).toBe(3);
    expect(settled.every((o) => o.error?.code === "host_unavailable" && o.error.retryable)).toBe(true);

    host.state.release();
    await Promise.all(calls);
    expect(settled[5]).toMatchObject({ outcome: "succeeded" });
    expect((await ticketsHost(tenant, (h) => h.health.circuit === "closed")).health.circuit).toBe("closed");

    host.state.mode = "ok";
    expect((await call(client, "tickets.create_ticket", ticket)).outcome.outcome).toBe("succeeded");
    expect(host.state.received).toBe(4);
  });

  it("opens again for another cool-down when the probe fails", async () => {
    const { client, tenant } = await desk({ circuit: { min_failures: 2, cooldown_ms: 0 } });
    const host = hostOnCommand();
    host.state.mode = "fail";
    await failCalls(client, 2);
    const opened = await ticketsHost(tenant, (h) => h.health.circuit === "open");
    const [probe] = await failCalls(client, 1);
    expect(probe!.error).toMatchObject({ code: "host_unavailable", retryable: true });
    expect(host.state.received).toBe(3);
    const reopened = await ticketsHost(tenant, (h) => h.health.retry_at !== opened.health.retry_at);
    expect(reopened.health).toMatchObject({ circuit: "open", calls_in_window: 3, error_rate: 1 });
  });
});

describe("what counts against a host's health", () => {
  it("a host that times out is failing: two timeouts open a circuit set to open at two", async () => {
    const tenant = await newTenant();
    const registered = await admin("POST", `/hosts?tenant=${tenant.tenant}`, {
      id: "tickets",
      url: UPSTREAM,
      timeout_ms: 300,
      circuit: { min_failures: 2 },
    });
    expect(registered.status).toBe(201);
    const client = await connect(tenant.key);
    const host = hostOnCommand();
    host.state.mode = "hang";
    const timedOut = await failCalls(client, 2);
    expect(timedOut.every((o) => /did not answer within 300 ms/.test(o.error?.message ?? ""))).toBe(true);
    const { health } = await ticketsHost(tenant.tenant, (h) => h.health.circuit === "open");
    expect(health).toMatchObject({ circuit: "open", calls_in_window: 2, error_rate: 1 });
    expect(health.p50_ms).toBeGreaterThanOrEqual(300);
  });

  it("a host refusing the arguments is up: its validation errors do not count as failures", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    host.state.mode = "reject";
    for (let i = 0; i < 6; i++)
      expect((await call(client, "tickets.create_ticket", ticket)).outcome.error?.code).toBe("host_rejected");
    const { health } = await ticketsHost(tenant, (h) => h.health.calls_in_window === 6);
    expect(health).toMatchObject({ circuit: "closed", calls_in_window: 6, error_rate: 0 });
    expect(health.last_success_at).not.toBeNull();
  });

  it("a call policy denies never reaches the host and does not count as a host failure", async () => {
    const { client, tenant } = await desk({ rows: [blockTickets] });
    const host = hostOnCommand();
    host.state.mode = "fail";
    for (let i = 0; i < 6; i++)
      expect((await call(client, "tickets.create_ticket", ticket)).outcome.outcome).toBe("denied");
    await auditRows(tenant, 6);
    expect(host.state.received).toBe(0);
    expect((await ticketsHost(tenant)).health).toMatchObject({ circuit: "closed", calls_in_window: 0 });
  });

  it("GET /admin/hosts shows the calls made: their count, error rate, latencies and last success", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    const before = Date.now();
    for (const mode of ["ok", "ok", "fail", "ok"] as const) {
      host.state.mode = mode;
      await call(client, "tickets.create_ticket", ticket);
    }
    const { health } = await ticketsHost(tenant, (h) => h.health.calls_in_window === 4);
    expect(health).toMatchObject({ circuit: "closed", calls_in_window: 4, error_rate: 0.25, retry_at: null });
    expect(Date.parse(health.last_success_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(health.last_failure_at)).toBeGreaterThanOrEqual(before);
    expect(health.p50_ms).toBeGreaterThanOrEqual(0);
    expect(health.p95_ms).toBeGreaterThanOrEqual(health.p50_ms);
    // The demo hosts no one called are listed too, with an empty window.
    const { body } = await admin("GET", `/hosts?tenant=${tenant}`);
    expect(body.hosts.find((h: any) => h.id === "payments").health).toMatchObject({
      circuit: "closed",
      calls_in_window: 0,
      error_rate: null,
      last_success_at: null,
    });
  });
});

describe("calls that end at the same moment", () => {
  it("each count in the host's window: no report is lost when another call's report is being sent", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    host.state.mode = "hold";
    const calls = Array.from({ length: 16 }, () => call(client, "tickets.create_ticket", ticket));
    for (let waited = 0; host.state.received < 16 && waited < 200; waited++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(host.state.received).toBe(16);
    host.state.release();
    const outcomes = await Promise.all(calls);
    expect(outcomes.map(({ outcome }) => outcome.outcome)).toEqual(Array(16).fill("succeeded"));
    const { health } = await ticketsHost(tenant, (h) => h.health.calls_in_window === 16);
    expect(health).toMatchObject({ circuit: "closed", calls_in_window: 16, error_rate: 0 });
  });
});

describe("tools/list while a host's circuit is open", () => {
  it("keeps the tool listed with its policy state, and shows its availability beside it", async () => {
    const { client, tenant } = await desk();
    const before = (await client.listTools()).tools.find((t) => t.name === "tickets.create_ticket")!;
    const host = hostOnCommand();
    host.state.mode = "fail";
    await failCalls(client, 5);
    await ticketsHost(tenant, (h) => h.health.circuit === "open");

    const { tools } = await client.listTools();
    const failing = tools.find((t) => t.name === "tickets.create_ticket")!;
    expect(failing._meta?.["policy-os/policy_state"]).toEqual(before._meta?.["policy-os/policy_state"]);
    expect(before._meta?.["policy-os/availability"]).toMatchObject({ state: "available", circuit: "closed" });
    expect(failing._meta?.["policy-os/availability"]).toMatchObject({ state: "unavailable", circuit: "open" });
    expect(failing.description).toContain(before.description);
    expect(failing.description).toMatch(/Availability: host tickets has been failing/);
    const healthy = tools.find((t) => t.name === "payments.lookup_customer")!;
    expect(healthy._meta?.["policy-os/availability"]).toMatchObject({ state: "available" });
  });
});

describe("a host's circuit settings", () => {
  it("refuses settings out of range with a 400 naming the field, storing nothing", async () => {
    const { tenant } = await newTenant();
    for (const circuit of [{ failure_rate: 2 }, { min_failures: 0 }, { cooldown_ms: -1 }, { retries: 3 }]) {
      const refused = await admin("POST", `/hosts?tenant=${tenant}`, { id: "tickets", url: UPSTREAM, circuit });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(refused.body)).toContain("circuit");
    }
    const { body } = await admin("GET", `/hosts?tenant=${tenant}`);
    expect(body.hosts.map((h: any) => h.id)).not.toContain("tickets");
  });

  it("a host removed and registered again starts with a closed circuit and an empty window", async () => {
    const { client, tenant } = await desk();
    const host = hostOnCommand();
    host.state.mode = "fail";
    await failCalls(client, 5);
    await ticketsHost(tenant, (h) => h.health.circuit === "open");
    expect((await admin("DELETE", `/hosts/tickets?tenant=${tenant}`)).status).toBe(200);
    const again = await admin("POST", `/hosts?tenant=${tenant}`, { id: "tickets", url: UPSTREAM, timeout_ms: 2_000 });
    expect(again.status).toBe(201);
    expect((await ticketsHost(tenant)).health).toMatchObject({ circuit: "closed", calls_in_window: 0 });
    host.state.mode = "ok";
    expect((await call(client, "tickets.create_ticket", ticket)).outcome.outcome).toBe("succeeded");
  });
});
