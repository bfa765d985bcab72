import { describe, expect, it } from "vitest";
import { runToolCall } from "../../../src/pipeline/run";
import { fakeDeps, NOW, principal, snapshotOf, toolCall } from "../fake-deps";

const LOOKUP = "payments.lookup";

/** Runs one call through the whole pipeline and hands back everything it left: outcome, ledger and audit row. */
async function traces(call: Parameters<typeof runToolCall>[1]) {
  const { deps, world, settled } = fakeDeps();
  const result = await runToolCall(deps, call);
  await settled();
  return { ...result, ledger: world.ledger, audit: world.audit };
}

/** Everything a call left behind, as one text to search for what must not be there. */
const everything = (t: Awaited<ReturnType<typeof traces>>) =>
  JSON.stringify([t.outcome, t.sentence, t.ledger, t.audit]);

describe("PII a caller sends outside the arguments", () => {
  it("an email in the correlation id never reaches the ledger, the audit row or the outcome", async () => {
    const meta = { correlation_id: "ticket for pat.doe@example.com", session_id: "s-1" };
    const t = await traces(toolCall(await snapshotOf([]), LOOKUP, {}, meta));
    expect(t.outcome.outcome).toBe("succeeded");
    expect(everything(t)).not.toContain("pat.doe@example.com");
    const correlation = { correlation_id: "ticket for [REDACTED:email]", session_id: "s-1", run_id: null };
    expect(t.outcome.correlation).toEqual(correlation);
    expect(t.ledger[0]!.body.correlation).toEqual(correlation);
    expect(t.audit[0]!.correlation).toEqual(correlation);
  });

  it("a card number sent as the tool name is redacted in the unknown_tool outcome and both ledger entries", async () => {
    const t = await traces(toolCall(await snapshotOf([]), "4111 1111 1111 1111", {}));
    expect(t.outcome).toMatchObject({
      outcome: "invalid",
      error: { code: "unknown_tool" },
      capability_id: "[REDACTED:payment_card]",
    });
    expect(t.ledger.map((entry) => entry.kind)).toEqual(["decision", "outcome"]);
    expect(t.ledger[0]!.body.tool).toBe("[REDACTED:payment_card]");
    expect(t.audit[0]!.tool).toBe("[REDACTED:payment_card]");
    expect(t.sentence).toContain("[REDACTED:payment_card]");
    expect(everything(t)).not.toMatch(/4111/);
  });

  it("a tool whose name a detector flags is still found by the name as sent, and recorded redacted", async () => {
    const odd = "payments.lookup 415 555 2671";
    const { deps, world, settled } = fakeDeps();
    const resolve = deps.tools.resolve;
    deps.tools = { resolve: (tenant_id, name) => resolve(tenant_id, name === odd ? LOOKUP : `unknown:${name}`) };
    const { outcome } = await runToolCall(deps, toolCall(await snapshotOf([]), odd, {}));
    await settled();
    expect(outcome).toMatchObject({ outcome: "succeeded", capability_id: "payments.lookup [REDACTED:phone]" });
    expect(JSON.stringify([outcome, world.ledger, world.audit])).not.toContain("2671");
  });

  it("a User-Agent with a phone number is recorded redacted", async () => {
    const call = { ...toolCall(await snapshotOf([]), LOOKUP, {}), client_id: "claude-desktop/1.2 (call +14155552671)" };
    const t = await traces(call);
    expect(t.ledger[0]!.body.client_id).toBe("claude-desktop/1.2 (call [REDACTED:phone])");
    expect(t.audit[0]!.client_id).toBe("claude-desktop/1.2 (call [REDACTED:phone])");
    expect(everything(t)).not.toContain("4155552671");
  });

  it("an ordinary correlation id and a minted run id are recorded as sent", async () => {
    const run = await fakeDeps().deps.runs.mint({ tenant_id: principal.tenant.id, agent_id: principal.agent.id }, NOW);
    const meta = {
      correlation_id: "8c1f9e2a-4b7d-4e0a-9f3c-2d6b5a1e7c40",
      session_id: "sess_01HZX3K9Q7M2",
      run_id: run!.run_id,
    };
    const t = await traces(toolCall(await snapshotOf([]), LOOKUP, {}, meta));
    expect(t.outcome.outcome).toBe("succeeded");
    expect(t.outcome.correlation).toEqual(meta);
    expect(t.ledger[0]!.body.correlation).toEqual(meta);
    expect(t.ledger[0]!.body.client_id).toBe("test-client");
    expect(t.audit[0]!.correlation).toEqual(meta);
    expect(t.outcome.capability_id).toBe(LOOKUP);
  });

  it("a tool name too long to scan is recorded as a size-limit marker, never as a fragment", async () => {
    const t = await traces(toolCall(await snapshotOf([]), `payments.${"x".repeat(70_000)}`, {}));
    expect(t.outcome).toMatchObject({ error: { code: "unknown_tool" }, capability_id: "[REDACTED:size_limit]" });
  });
});
