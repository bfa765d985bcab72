import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { refundApproval } from "../fixtures/policies";
import { admin, call, connect, newTenant } from "../support/worker";

const REFUND = "payments.create_refund";
const refund = (amount_cents: number) => ({ customer_id: "cus_002", amount_cents, reason: "damaged" });

/** Blocks refunds above `limit` cents. */
const refundCap = (limit: number) => ({
  Name: `Refunds over ${limit} are blocked`,
  "Policy ID": "refund_cap",
  Type: "block",
  Mode: "block",
  Status: "Active",
  Tools: REFUND,
  Condition: `args.amount_cents > ${limit}`,
  "Reason code": "refund_too_large",
});

/** Waits until the tenant has `count` decision inputs (they are written just after each answer). */
async function inputsRecorded(tenant: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM decision_inputs WHERE tenant_id = ?")
      .bind(tenant)
      .first<{ n: number }>();
    if ((row?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`decision inputs of ${tenant} never reached ${count}`);
}

/** The kinds of a tenant's ledger entries, in order. */
async function ledgerKinds(tenant: string): Promise<string[]> {
  const body = (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body;
  return body.entries.map((entry: { kind: string }) => entry.kind);
}

const smallRefundGoesThrough = {
  name: "a $20 refund goes through",
  tool: REFUND,
  arguments: refund(2_000),
  agent: "support-bot",
  expected: "authorized",
};

describe("release checks", () => {
  it("holds a candidate that breaks a golden task, and the snapshot in force keeps deciding until it is accepted", async () => {
    const { tenant, key } = await newTenant({ rows: [refundCap(100_000)] });
    expect((await admin("PUT", `/golden-tasks?tenant=${tenant}`, smallRefundGoesThrough)).status).toBe(200);

    const put = await admin("PUT", `/policies?tenant=${tenant}`, { rows: [refundCap(1_000)] });
    expect(put.status).toBe(200);
    expect(put.body.release).toMatchObject({
      status: "held",
      held_because: expect.stringContaining('"a $20 refund goes through" (expected authorized, got denied)'),
      golden: { passed: 0, failed: 1 },
    });
    expect(put.body.in_force).not.toBe(put.body.snapshot);

    const client = await connect(key);
    const before = await call(client, REFUND, refund(2_000));
    expect(before.outcome.outcome).toBe("succeeded");
    expect(before.outcome.decision.snapshot).toBe(put.body.in_force);

    const tasks = (await admin("GET", `/golden-tasks?tenant=${tenant}`)).body.golden_tasks;
    expect(tasks[0].last_result).toMatchObject({ passed: false, got: "denied", release_id: put.body.release.id });

    const accepted = await admin("POST", `/releases/${put.body.release.id}/accept?tenant=${tenant}`, {
      by: "manager@acme.test",
      reason: "Refunds over $10 go through a person from now on.",
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: "accepted", decided_by: "manager@acme.test" });
    const after = await call(client, REFUND, refund(2_000));
    expect(after.outcome).toMatchObject({ outcome: "denied", decision: { reason_code: "refund_too_large" } });
    expect(after.outcome.decision.snapshot).toBe(put.body.snapshot);

    const again = await admin("POST", `/releases/${put.body.release.id}/accept?tenant=${tenant}`, {
      by: "manager@acme.test",
      reason: "twice",
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: "release_not_held" } } });
    expect((await ledgerKinds(tenant)).filter((kind) => kind.startsWith("release"))).toEqual([
      "release",
      "release",
      "release_accepted",
    ]);
    const ledger = await admin("GET", `/ledger/verify?tenant=${tenant}`);
    expect(ledger.body).toMatchObject({ ok: true });
  });

  it("holds a candidate that would change more replayed calls than the tenant's threshold", async () => {
    const { tenant, key } = await newTenant({ rows: [refundApproval] });
    const client = await connect(key);
    for (const amount of [1_000, 2_000, 3_000, 60_000]) await call(client, REFUND, refund(amount));
    await inputsRecorded(tenant, 4);

    const candidate = [refundApproval, refundCap(2_500)];
    const put = await admin("PUT", `/policies?tenant=${tenant}`, { rows: candidate });
    expect(put.body.release).toMatchObject({
      status: "held",
      replay: { calls: 4, changed: 2, indeterminate: 0 },
      held_because: expect.stringContaining("2 of 4 replayed calls"),
    });
    const detail = (await admin("GET", `/releases/${put.body.release.id}?tenant=${tenant}`)).body;
    expect(detail.report.replay.groups).toHaveLength(2);
    expect(detail.report.replay.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tool: REFUND,
          agent: "support-bot",
          from: { decision: "authorized", reason_code: "default_allow" },
          to: { decision: "denied", reason_code: "refund_too_large" },
          calls: 1,
        }),
        expect.objectContaining({
          from: { decision: "escalated", reason_code: "refund_over_limit" },
          to: { decision: "denied", reason_code: "refund_too_large" },
          calls: 1,
        }),
      ]),
    );
    expect(detail.report.changed_rows).toEqual({ added: ["refund_cap"], removed: [], modified: [] });

    await admin("PUT", `/release-settings?tenant=${tenant}`, { retention_days: 7, replay_days: 7, threshold_pct: 60 });
    // The same rows again would find the held release; a candidate with other rows is checked afresh.
    const relaxed = await admin("PUT", `/policies?tenant=${tenant}`, { rows: [refundApproval, refundCap(2_600)] });
    expect(relaxed.body.release).toMatchObject({ status: "live" });
    expect((await call(client, REFUND, refund(3_000))).outcome.outcome).toBe("denied");

    const list = (await admin("GET", `/releases?tenant=${tenant}`)).body.releases;
    expect(list.map((release: { status: string }) => release.status)).toEqual(["live", "rejected", "live"]);
    expect(Object.keys(list[0]).sort()).toEqual(["created_at", "golden", "id", "replay", "snapshot", "status"]);
  });

  it("rolls back to an earlier snapshot as a new checked candidate, and its decision is restored", async () => {
    const { tenant, key } = await newTenant({ rows: [refundCap(100_000)] });
    const first = (await admin("GET", `/policies?tenant=${tenant}`)).body.snapshot;
    const strict = await admin("PUT", `/policies?tenant=${tenant}`, { rows: [refundCap(1_000)] });
    expect(strict.body.release.status).toBe("live");
    const client = await connect(key);
    expect((await call(client, REFUND, refund(2_000))).outcome.outcome).toBe("denied");
    await inputsRecorded(tenant, 1);

    // Checked like any other: it would let through the one refund recorded since, 100% of the replayed calls.
    const rolled = await admin("POST", `/policies/rollback?tenant=${tenant}`, { snapshot: first });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      snapshot: first,
      in_force: strict.body.snapshot,
      release: { status: "held", replay: { calls: 1, changed: 1 } },
    });
    const detail = (await admin("GET", `/releases/${rolled.body.release.id}?tenant=${tenant}`)).body;
    expect(detail).toMatchObject({ source: "rollback", previous: strict.body.snapshot });
    const accept = { by: "manager@acme.test", reason: "Back to the old cap." };
    expect((await admin("POST", `/releases/${rolled.body.release.id}/accept?tenant=${tenant}`, accept)).status).toBe(
      200,
    );
    expect((await call(client, REFUND, refund(2_000))).outcome.outcome).toBe("succeeded");
    const statuses = (await admin("GET", `/releases?tenant=${tenant}`)).body.releases.map((r: any) => r.status);
    expect(statuses).toEqual(["accepted", "rolled_back", "live"]);

    const unknown = await admin("POST", `/policies/rollback?tenant=${tenant}`, {
      snapshot: `sha256:${"0".repeat(64)}`,
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "snapshot_not_found" } } });
  });

  it("checks a candidate as a dry run without recording anything", async () => {
    const { tenant } = await newTenant({ rows: [refundCap(100_000)] });
    await admin("PUT", `/golden-tasks?tenant=${tenant}`, smallRefundGoesThrough);
    const dry = await admin("POST", `/releases/check?tenant=${tenant}`, { rows: [refundCap(1_000)] });
    expect(dry.body).toMatchObject({
      status: "held",
      report: { golden: [{ name: smallRefundGoesThrough.name, expected: "authorized", got: "denied", passed: false }] },
    });
    const inForce = await admin("POST", `/releases/check?tenant=${tenant}`, {});
    expect(inForce.body).toMatchObject({ status: "live", report: { golden: [{ passed: true }] } });
    expect((await admin("GET", `/releases?tenant=${tenant}`)).body.releases).toHaveLength(1);
  });

  it("keeps tenants apart: golden tasks, releases and acceptances", async () => {
    const ours = await newTenant({ rows: [refundCap(100_000)] });
    const theirs = await newTenant({ rows: [refundCap(100_000)] });
    await admin("PUT", `/golden-tasks?tenant=${ours.tenant}`, smallRefundGoesThrough);

    const held = await admin("PUT", `/policies?tenant=${ours.tenant}`, { rows: [refundCap(1_000)] });
    const live = await admin("PUT", `/policies?tenant=${theirs.tenant}`, { rows: [refundCap(1_000)] });
    expect([held.body.release.status, live.body.release.status]).toEqual(["held", "live"]);
    expect((await admin("GET", `/golden-tasks?tenant=${theirs.tenant}`)).body.golden_tasks).toEqual([]);
    const peek = await admin("GET", `/releases/${held.body.release.id}?tenant=${theirs.tenant}`);
    expect(peek.status).toBe(404);
    const steal = await admin("POST", `/releases/${held.body.release.id}/accept?tenant=${theirs.tenant}`, {
      by: "intruder",
      reason: "mine now",
    });
    expect(steal.status).toBe(404);
  });

  it("refuses a golden task that does not fit, and deletes one by name", async () => {
    const { tenant } = await newTenant();
    const bad = await admin("PUT", `/golden-tasks?tenant=${tenant}`, { ...smallRefundGoesThrough, expected: "maybe" });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    await admin("PUT", `/golden-tasks?tenant=${tenant}`, smallRefundGoesThrough);
    const gone = await admin(
      "DELETE",
      `/golden-tasks/${encodeURIComponent(smallRefundGoesThrough.name)}?tenant=${tenant}`,
    );
    expect(gone.status).toBe(200);
    expect((await admin("GET", `/golden-tasks?tenant=${tenant}`)).body.golden_tasks).toEqual([]);
  });
});
