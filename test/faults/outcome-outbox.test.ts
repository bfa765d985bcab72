import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { OUTCOME_RECORDED_LATER } from "../../src/pipeline/stages/record";
import { admin, call, connect, newTenant } from "../support/worker";

const bound = env as unknown as { LEDGER: DurableObjectNamespace };
const realLedger = bound.LEDGER;
afterEach(() => void (bound.LEDGER = realLedger));

/** What a ledger append rejects with when its object is reset mid-call. */
const RESET = "Durable Object reset because its code was updated.";

type Fault = "refuse" | "lose_reply";

/**
 * Breaks the real ledger's appends that hold an `outcome` entry, one fault per such append, then lets them through:
 * `refuse` throws before the object sees the append, `lose_reply` lets the object store it and throws its reply
 * away. Decision appends always pass, so the host runs. Returns how many outcome appends were tried.
 */
function breakOutcomeAppends(faults: Fault[]) {
  const tried = { count: 0 };
  bound.LEDGER = new Proxy(realLedger, {
    get(target, property) {
      if (property !== "get") {
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (id: DurableObjectId) => {
        const stub = target.get(id) as unknown as {
          append: (t: string, inputs: { kind: string }[]) => Promise<unknown>;
        };
        return new Proxy(stub, {
          get(inner, name) {
            if (name !== "append") return (inner as unknown as Record<string | symbol, unknown>)[name];
            return async (tenant_id: string, inputs: { kind: string }[]) => {
              if (!inputs.some((input) => input.kind === "outcome")) return inner.append(tenant_id, inputs);
              tried.count++;
              const fault = faults.shift();
              if (fault === "refuse") throw new Error(RESET);
              const reply = await inner.append(tenant_id, inputs);
              if (fault === "lose_reply") throw new Error(RESET);
              return reply;
            };
          },
        });
      };
    },
  });
  return tried;
}

/** Waits until `read` gives a value `check` accepts (the retries run after the answer, with backoff). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The kinds of the ledger entries of one invocation, in seq order. */
async function kindsOf(tenant: string, invocation_id: string): Promise<string[]> {
  const entries = (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries as {
    kind: string;
    invocation_id: string | null;
  }[];
  return entries.filter((entry) => entry.invocation_id === invocation_id).map((entry) => entry.kind);
}

const outboxRows = (invocation_id: string) =>
  env.DB.prepare("SELECT * FROM ledger_outbox WHERE invocation_id = ?").bind(invocation_id).all();

/** A tenant with no policies, and its connected agent. */
async function desk() {
  const tenant = await newTenant({ rows: [] });
  return { ...tenant, agent: await connect(tenant.key) };
}

const lookup = { customer_id: "cus_002" };

describe("an outcome the ledger Durable Object refuses after the host ran", () => {
  it("stored with its reply lost: the agent is told it is being recorded, and the retry leaves exactly one outcome", async () => {
    const d = await desk();
    const tried = breakOutcomeAppends(["lose_reply"]);
    const ran = await call(d.agent, "payments.lookup_customer", lookup);
    // led_1 is the release of the desk's policies.
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", evidence_ids: ["led_2"] });
    expect(ran.text).toContain(OUTCOME_RECORDED_LATER);
    await until(
      async () => tried.count,
      (count) => count >= 2,
      "the deferred retry",
    );
    expect(await kindsOf(d.tenant, ran.outcome.invocation_id)).toEqual(["decision", "outcome"]);
    expect((await outboxRows(ran.outcome.invocation_id)).results).toEqual([]);
    expect((await admin("GET", `/ledger/verify?tenant=${d.tenant}`)).body).toEqual({
      ok: true,
      entries: 3,
      first_bad_seq: null,
    });
  });

  it("for longer than every retry: the outbox keeps it, verify reports it, and the cron appends it once", async () => {
    const d = await desk();
    breakOutcomeAppends(["refuse", "refuse", "refuse", "refuse"]);
    const ran = await call(d.agent, "payments.lookup_customer", lookup);
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", evidence_ids: ["led_2"] });
    const invocation_id = ran.outcome.invocation_id;
    await until(
      () => outboxRows(invocation_id),
      (rows) => rows.results.length === 1,
      "the outbox row",
    );
    expect(await kindsOf(d.tenant, invocation_id)).toEqual(["decision"]);
    expect((await admin("GET", `/ledger/verify?tenant=${d.tenant}`)).body).toEqual({
      ok: true,
      entries: 2,
      first_bad_seq: null,
      pending_outcomes: 1,
    });

    for (let pass = 0; pass < 2; pass++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    expect(await kindsOf(d.tenant, invocation_id)).toEqual(["decision", "outcome"]);
    expect((await outboxRows(invocation_id)).results).toEqual([]);
    expect((await admin("GET", `/ledger/verify?tenant=${d.tenant}`)).body).toEqual({
      ok: true,
      entries: 3,
      first_bad_seq: null,
    });
  });

  it("stored by the cron with its reply lost: the row stays, its attempt noted, and the next pass finds the outcome without doubling it", async () => {
    const d = await desk();
    breakOutcomeAppends(["refuse", "refuse", "refuse", "refuse", "lose_reply"]);
    const ran = await call(d.agent, "payments.lookup_customer", lookup);
    const invocation_id = ran.outcome.invocation_id;
    await until(
      () => outboxRows(invocation_id),
      (rows) => rows.results.length === 1,
      "the outbox row",
    );
    const cron = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await cron();
    expect((await outboxRows(invocation_id)).results).toEqual([
      expect.objectContaining({ attempts: 1, last_error: `Error: ${RESET}` }),
    ]);
    await cron();
    expect(await kindsOf(d.tenant, invocation_id)).toEqual(["decision", "outcome"]);
    expect((await outboxRows(invocation_id)).results).toEqual([]);
  });
});
