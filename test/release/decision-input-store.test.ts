import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertDecisionInput, pruneDecisionInputs, recentDecisionInputs } from "../../src/db/decision-inputs";
import type { DecisionInput } from "../../src/db/decision-inputs";

function input(tenant_id: string, n: number, created_at: string): DecisionInput {
  return {
    tenant_id,
    invocation_id: `inv_${tenant_id}_${n}`,
    created_at,
    facts: {
      tool: { name: "payments.create_refund", host: "payments", annotations: {} },
      agent: { id: "agt_1", name: "support-agent", owner: null, scopes: [] },
      context: { user: null, workspace: null, correlation_id: null, session_id: null, run_id: null, now: created_at },
    },
    args: { amount_cents: n },
    redacted: [],
    args_hash: `sha256:${n}`,
    decision: "authorized",
    reason_code: "default_allow",
    snapshot: "sha256:s",
  };
}

describe("the decision inputs store", () => {
  it("reads a tenant's inputs newest first since a time, and only that tenant's", async () => {
    for (let day = 1; day <= 5; day++) {
      await insertDecisionInput(env.DB, input("store-a", day, `2026-11-0${day}T00:00:00.000Z`));
      await insertDecisionInput(env.DB, input("store-b", day, `2026-11-0${day}T00:00:00.000Z`));
    }
    await insertDecisionInput(env.DB, input("store-a", 5, "2026-11-05T00:00:00.000Z"));
    const { inputs } = await recentDecisionInputs(env.DB, "store-a", "2026-11-02T00:00:00.000Z", 10);
    expect(inputs.map((row) => row.invocation_id)).toEqual([
      "inv_store-a_5",
      "inv_store-a_4",
      "inv_store-a_3",
      "inv_store-a_2",
    ]);
    expect(inputs[0]).toEqual(input("store-a", 5, "2026-11-05T00:00:00.000Z"));
    const limited = await recentDecisionInputs(env.DB, "store-a", "2026-11-01T00:00:00.000Z", 2);
    expect(limited.inputs).toHaveLength(2);
  });

  it("forgets inputs past each tenant's retention, seven days unless the tenant says otherwise", async () => {
    await env.DB.prepare("INSERT INTO release_settings (tenant_id, retention_days) VALUES ('prune-short', 1)").run();
    for (const tenant of ["prune-short", "prune-default"]) {
      await insertDecisionInput(env.DB, input(tenant, 1, "2026-12-01T11:00:00.000Z"));
      await insertDecisionInput(env.DB, input(tenant, 2, "2026-12-05T13:00:00.000Z"));
      await insertDecisionInput(env.DB, input(tenant, 3, "2026-11-20T00:00:00.000Z"));
    }
    await pruneDecisionInputs(env.DB, new Date("2026-12-06T12:00:00.000Z"));
    const left = async (tenant: string) =>
      (await recentDecisionInputs(env.DB, tenant, "2000-01-01T00:00:00.000Z", 10)).inputs.map(
        (row) => row.invocation_id,
      );
    expect(await left("prune-short")).toEqual(["inv_prune-short_2"]);
    expect(await left("prune-default")).toEqual(["inv_prune-default_2", "inv_prune-default_1"]);
  });
});
