import { describe, expect, it } from "vitest";
import type { CallerProof, Principal } from "../../../src/db/tenancy";
import { startCall } from "../../../src/pipeline/call-state";
import { runToolCall } from "../../../src/pipeline/run";
import { caller } from "../../../src/pipeline/stages/caller";
import { validate } from "../../../src/pipeline/stages/validate";
import { fakeDeps, NOW, principal, snapshotOf, toolCall } from "../fake-deps";

const token: CallerProof = {
  via: "token",
  issuer: "https://login.acme.test",
  subject: "00u1sam",
  person: "sam@acme.test",
  client_id: "support-desk",
};

/** The caller stage's answer for a lookup with `meta`, made by `who` (the fake agent with an API key by default). */
async function identify(meta: Record<string, unknown>, who: Principal = principal) {
  const { deps } = fakeDeps();
  const call = { ...toolCall(await snapshotOf([]), "payments.lookup", {}, meta), principal: who };
  const validated = await validate(deps, startCall(deps, call));
  if (validated.kind !== "next") throw new Error("expected a valid call");
  return { step: await caller(deps, validated.state) };
}

async function refusal(meta: Record<string, unknown>, who: Principal = principal) {
  const { step } = await identify(meta, who);
  if (step.kind !== "end") throw new Error("expected the call to be refused");
  expect(step.verdict).toBe("denied");
  expect(step.result.denial?.retryable).toBe(false);
  expect(step.state.decision?.reason_code).toBe(step.result.denial?.code);
  return step.result.denial!;
}

async function facts(meta: Record<string, unknown>, who: Principal = principal) {
  const { step } = await identify(meta, who);
  if (step.kind !== "next") throw new Error(`expected the call to go on, got ${step.result.denial?.code}`);
  return step.state.caller;
}

const mint = (owner = { tenant_id: principal.tenant.id, agent_id: principal.agent.id }, now = NOW, ttl?: number) =>
  fakeDeps()
    .deps.runs.mint(owner, now, ttl)
    .then((run) => run!.run_id);

describe("the person an agent acts for, with an API key", () => {
  it("an agent acts for its owner when the call names nobody", async () => {
    expect(await facts({})).toMatchObject({
      user: "owner@acme.test",
      record: { via: "key", person: "owner@acme.test", person_verified_by: "owner" },
    });
  });

  it("an agent may act for a person in its Acts for, whatever the case of the name sent", async () => {
    expect(await facts({ on_behalf_of: " Pat@Acme.test " })).toMatchObject({
      user: "pat@acme.test",
      record: { person: "pat@acme.test", person_verified_by: "acts_for" },
    });
  });

  it("an agent may name a person of its Acts for by their email's local part, when only one email has it", async () => {
    const twoPats = { ...principal, agent: { ...principal.agent, acts_for: ["pat@acme.test", "pat@globex.test"] } };
    expect((await facts({ on_behalf_of: "pat" })).user).toBe("pat@acme.test");
    expect((await facts({ on_behalf_of: "owner" })).record).toMatchObject({ person_verified_by: "owner" });
    expect((await refusal({ on_behalf_of: "pat" }, twoPats)).code).toBe("not_acting_for");
  });

  it("an agent cannot act for a person outside its Acts for", async () => {
    const denial = await refusal({ on_behalf_of: "mallory@acme.test" });
    expect(denial.code).toBe("not_acting_for");
    expect(denial.message).toContain("support-agent may not act for");
    expect(denial.message).not.toContain("mallory");
  });

  it("an agent with an empty Acts for acts for its owner only", async () => {
    const loner = { ...principal, agent: { ...principal.agent, acts_for: [] } };
    expect((await refusal({ on_behalf_of: "pat@acme.test" }, loner)).code).toBe("not_acting_for");
    expect((await facts({ on_behalf_of: "owner@acme.test" }, loner)).user).toBe("owner@acme.test");
  });

  it("an on_behalf_of that is not a name is refused, never read as absent", async () => {
    for (const on_behalf_of of [42, "", "x".repeat(201), { name: "pat" }])
      expect((await refusal({ on_behalf_of })).code).toBe("not_acting_for");
  });
});

describe("the person an agent acts for, with a verified token", () => {
  const withToken = { ...principal, proof: token };

  it("a token's person is the person acted for, whatever the agent's Acts for says", async () => {
    expect(await facts({}, withToken)).toMatchObject({
      user: "sam@acme.test",
      record: { via: "token", person: "sam@acme.test", person_verified_by: "token" },
    });
    expect((await facts({ on_behalf_of: "SAM@acme.test" }, withToken)).user).toBe("sam@acme.test");
  });

  it("an on_behalf_of that differs from the token's person is refused, never replaced", async () => {
    const denial = await refusal({ on_behalf_of: "pat@acme.test" }, withToken);
    expect(denial.code).toBe("on_behalf_of_mismatch");
    // Even someone the agent's Acts for names: the token says whom this call is for.
    expect(denial.message).toContain("issued for sam@acme.test");
  });
});

describe("the workspace", () => {
  it("an agent may name a workspace in its Workspaces", async () => {
    expect(await facts({ workspace: "ACME" })).toMatchObject({ workspace: "acme", record: { workspace: "acme" } });
  });

  it("an agent cannot name a workspace outside its Workspaces", async () => {
    const denial = await refusal({ workspace: "globex" });
    expect(denial.code).toBe("workspace_not_allowed");
    expect(denial.message).toContain("its Workspaces are acme");
  });

  it("an agent with no Workspaces may name none", async () => {
    const nowhere = { ...principal, agent: { ...principal.agent, workspaces: [] } };
    expect((await refusal({ workspace: "acme" }, nowhere)).code).toBe("workspace_not_allowed");
    expect((await facts({}, nowhere)).workspace).toBeNull();
  });
});

describe("the run", () => {
  it("a run id minted for this agent is the call's run", async () => {
    const run_id = await mint();
    expect(await facts({ run_id })).toMatchObject({ run_id, record: { run: "minted" } });
    expect(await facts({})).toMatchObject({ run_id: null, record: { run: "none" } });
  });

  it("a run id Policy OS did not mint is refused", async () => {
    const real = await mint();
    const tampered = `${real.slice(0, -1)}${real.endsWith("A") ? "B" : "A"}`;
    for (const run_id of ["run_7", "run-2026-12-06-0042", tampered, 5])
      expect((await refusal({ run_id })).code).toBe("unknown_run");
  });

  it("a minted run id is accepted in its own spelling only: no other spelling of its MAC is another run", async () => {
    const real = await mint();
    const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelled = [...ALPHABET].map((c) => `${real.slice(0, -1)}${c}`).filter((id) => id !== real);
    expect(respelled).toHaveLength(63);
    for (const run_id of respelled) expect((await refusal({ run_id })).code).toBe("unknown_run");
    expect(await facts({ run_id: real })).toMatchObject({ run_id: real, record: { run: "minted" } });
  });

  it("a run id minted for another agent or another tenant is refused", async () => {
    expect((await refusal({ run_id: await mint({ tenant_id: "acme", agent_id: "agt_other" }) })).code).toBe(
      "unknown_run",
    );
    expect((await refusal({ run_id: await mint({ tenant_id: "globex", agent_id: "agt_support" }) })).code).toBe(
      "unknown_run",
    );
  });

  it("an expired run id is refused, and says to start a new run", async () => {
    const yesterday = new Date(NOW.getTime() - 2 * 86_400_000);
    const denial = await refusal({ run_id: await mint(undefined, yesterday, 3600) });
    expect(denial).toMatchObject({ code: "unknown_run", message: expect.stringContaining("expired") });
  });
});

describe("a refused claim", () => {
  it("is recorded like every denial: both ledger entries and the audit row carry its reason code", async () => {
    const { deps, world, settled } = fakeDeps();
    const result = await runToolCall(deps, toolCall(await snapshotOf([]), "payments.lookup", {}, { workspace: "x" }));
    await settled();
    expect(result.outcome).toMatchObject({
      outcome: "denied",
      denial: { code: "workspace_not_allowed" },
      decision: { decision: "denied", reason_code: "workspace_not_allowed" },
    });
    expect(world.ledger.map((entry) => [entry.kind, entry.body.reason_code ?? entry.body.denial_code])).toEqual([
      ["decision", "workspace_not_allowed"],
      ["outcome", "workspace_not_allowed"],
    ]);
    expect(world.audit[0]).toMatchObject({ reason_code: "workspace_not_allowed", error_code: "workspace_not_allowed" });
    expect(world.hostCalls).toEqual([]);
  });
});
