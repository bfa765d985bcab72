import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { DecisionInput } from "../../src/db/decision-inputs";
import { writesTogether } from "../../src/db/writes-together";
import { pipelineDeps } from "../../src/deps";
import type { Env } from "../../src/env";
import { auditRow } from "../support/audit-row";

const db = (env as unknown as { DB: D1Database }).DB;

/**
 * The test's D1, counting the round trips made through it: batches, and statements run alone. `hold()` makes every
 * round trip from then on wait until the function it returns is called, or until `pass()` for those started after it.
 */
function countingDb() {
  const trips = { batches: [] as number[], alone: 0 };
  let gate: Promise<void> = Promise.resolve();
  const hold = () => {
    let release = () => {};
    gate = new Promise<void>((resolve) => (release = resolve));
    return release;
  };
  const counted = new Proxy(db, {
    get(target, name) {
      if (name === "batch")
        return (statements: D1PreparedStatement[]) => {
          trips.batches.push(statements.length);
          return gate.then(() => target.batch(statements));
        };
      if (name === "prepare")
        return (sql: string) =>
          new Proxy(target.prepare(sql), {
            get(statement, key) {
              if (key === "bind") return (...values: unknown[]) => countedRun(statement.bind(...values));
              return Reflect.get(statement, key).bind(statement);
            },
          });
      return Reflect.get(target, name).bind(target);
    },
  });
  const countedRun = (statement: D1PreparedStatement) =>
    new Proxy(statement, {
      get(bound, key) {
        if (key === "run")
          return () => {
            trips.alone++;
            return gate.then(() => bound.run());
          };
        return Reflect.get(bound, key);
      },
    });
  /** Lets round trips started from now on through at once; those already held stay held. */
  const pass = () => {
    gate = Promise.resolve();
  };
  return { counted, trips, hold, pass };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const keys = async () =>
  (await db.prepare("SELECT k FROM writes_together ORDER BY k").all<{ k: string }>()).results.map((r) => r.k);

beforeAll(async () => {
  await db.prepare("CREATE TABLE IF NOT EXISTS writes_together (k TEXT PRIMARY KEY)").run();
});

describe("D1 writes handed over together", () => {
  it("reach D1 as one batch: a call's audit row and decision input cost one round trip, not two", async () => {
    const { counted, trips } = countingDb();
    const write = writesTogether(counted);
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    await Promise.all([write(insert("a1")), write(insert("a2"))]);
    expect(trips).toEqual({ batches: [2], alone: 0 });
    expect(await keys()).toEqual(expect.arrayContaining(["a1", "a2"]));
  });

  it("are written alone when one of them fails: the others are kept, and only the failing one rejects", async () => {
    const { counted, trips } = countingDb();
    const write = writesTogether(counted);
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    const [good, bad] = await Promise.allSettled([
      write(insert("b1")),
      write(counted.prepare("INSERT INTO no_such_table (k) VALUES (?)").bind("b2")),
    ]);
    expect(good).toEqual({ status: "fulfilled", value: undefined });
    expect(bad).toMatchObject({ status: "rejected", reason: { message: expect.stringMatching(/no_such_table/) } });
    expect(trips).toEqual({ batches: [2], alone: 2 });
    expect(await keys()).toContain("b1");
  });

  it("share one batch when handed over in different turns within the gathering window", async () => {
    const { counted, trips } = countingDb();
    const write = writesTogether(counted, { gather_ms: 50 });
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    const first = write(insert("g1"));
    await sleep(5);
    await Promise.all([first, write(insert("g2"))]);
    expect(trips).toEqual({ batches: [2], alone: 0 });
    expect(await keys()).toEqual(expect.arrayContaining(["g1", "g2"]));
  });

  it("wait while a batch is being written, then go together in the next one", async () => {
    const { counted, trips, hold } = countingDb();
    const write = writesTogether(counted, { gather_ms: 0 });
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    const release = hold();
    const first = write(insert("w1"));
    while (trips.alone === 0) await sleep(1);
    const second = write(insert("w2"));
    await sleep(5);
    const third = write(insert("w3"));
    await sleep(5);
    expect(trips).toEqual({ batches: [], alone: 1 });
    release();
    await Promise.all([first, second, third]);
    expect(trips).toEqual({ batches: [2], alone: 1 });
    expect(await keys()).toEqual(expect.arrayContaining(["w1", "w2", "w3"]));
  });

  it("are written by the next request when the batch in flight stalls (its request cut off mid-write)", async () => {
    const { counted, trips, hold, pass } = countingDb();
    const write = writesTogether(counted, { gather_ms: 0, stalled_ms: 40 });
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    hold();
    void write(insert("s1"));
    while (trips.alone === 0) await sleep(1);
    pass();
    await write(insert("s2"));
    expect(trips).toEqual({ batches: [], alone: 2 });
    expect(await keys()).toContain("s2");
    expect(await keys()).not.toContain("s1");
  });

  it("goes alone when nothing else is handed over while it gathers, and a later write starts a new batch", async () => {
    const { counted, trips } = countingDb();
    const write = writesTogether(counted, { gather_ms: 0 });
    const insert = (k: string) => counted.prepare("INSERT INTO writes_together (k) VALUES (?)").bind(k);
    await write(insert("c1"));
    await write(insert("c2"));
    expect(trips).toEqual({ batches: [], alone: 2 });
    expect(await keys()).toEqual(expect.arrayContaining(["c1", "c2"]));
  });
});

describe("the pipeline's writes after a call", () => {
  it("send its audit row and its decision input to D1 together, in one batch", async () => {
    const { counted, trips } = countingDb();
    const deps = pipelineDeps({ ...(env as unknown as Env), DB: counted }, { waitUntil: () => undefined });
    const invocation_id = "inv_written_together";
    await Promise.all([
      deps.audit.writeAudit(
        auditRow({ invocation_id, tenant_id: "together", agent_id: "agt_1", tool: "orders.get_order" }),
      ),
      deps.decisionInputs.keep(decisionInput(invocation_id)),
    ]);
    expect(trips).toEqual({ batches: [2], alone: 0 });
    const count = async (table: string) =>
      (
        await db
          .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE invocation_id = ?`)
          .bind(invocation_id)
          .first<{ n: number }>()
      )?.n;
    expect([await count("audit_log"), await count("decision_inputs")]).toEqual([1, 1]);
  });
});

function decisionInput(invocation_id: string): DecisionInput {
  const now = "2026-12-07T08:00:00.000Z";
  return {
    tenant_id: "together",
    invocation_id,
    created_at: now,
    facts: {
      tool: { name: "orders.get_order", host: "orders", annotations: {} },
      agent: { id: "agt_1", name: "bench-agent", owner: null, scopes: [] },
      context: { user: null, workspace: null, correlation_id: null, session_id: null, run_id: null, now },
    },
    args: { order_id: "ord_42" },
    redacted: [],
    args_hash: "sha256:a",
    decision: "authorized",
    reason_code: "default_allow",
    snapshot: "sha256:s",
  };
}
