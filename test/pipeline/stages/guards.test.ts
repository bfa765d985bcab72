import { describe, expect, it } from "vitest";
import { guards } from "../../../src/pipeline/stages/guards";
import { policy } from "../../../src/pipeline/stages/policy";
import { fakeDeps, identifiedState, policyRow, snapshotOf, toolCall, type FakeWorld } from "../fake-deps";

async function guarded(rows: unknown[], args: Record<string, unknown>, setUp: (world: FakeWorld) => void = () => {}) {
  const { deps, world } = fakeDeps();
  setUp(world);
  const decided = policy(await identifiedState(deps, toolCall(await snapshotOf(rows), "payments.lookup", args)));
  if (decided.kind !== "next") throw new Error("expected a decided call");
  return guards(deps, decided.state);
}

const privacy = (mode: string) =>
  policyRow("no_cards", { Type: "privacy", Mode: mode, Tools: "payments.*", Detectors: ["payment_card"] });
const card = { note: "paid with 4111 1111 1111 1111" };

describe("the guards stage", () => {
  it("denies arguments holding a card number under a block policy, naming where it was found", async () => {
    const step = await guarded([privacy("block")], card);
    if (step.kind !== "end") throw new Error("expected a denial");
    expect(step.verdict).toBe("denied");
    expect(step.result.denial).toMatchObject({ code: "no_cards", details: { found: ["$.note (payment_card)"] } });
    expect(step.state.decision?.policy_ids).toEqual(["no_cards"]);
  });

  it("hands the host the card number redacted, and keeps it out of every record whatever the mode", async () => {
    const step = await guarded([privacy("redact")], card);
    if (step.kind !== "next") throw new Error("expected the call to go on");
    expect(JSON.stringify(step.state.screening.forHost)).not.toContain("4111");
    expect(JSON.stringify(step.state.screening.recorded)).not.toContain("4111");
    const alerted = await guarded([privacy("alert")], card);
    if (alerted.kind !== "next") throw new Error("expected the call to go on");
    expect(alerted.state.screening.forHost).toEqual(card);
    expect(JSON.stringify(alerted.state.screening.recorded)).not.toContain("4111");
    expect(alerted.state.decision.alerts).toEqual(["no_cards"]);
  });

  it("holds text a pause-mode content policy finds, for its approvers", async () => {
    const hold = policyRow("wire", {
      Type: "content",
      Mode: "pause",
      Tools: "payments.*",
      "Deny terms": "wire transfer",
      Approvers: ["ops"],
    });
    const step = await guarded([hold], { note: "send a Wire Transfer" });
    if (step.kind !== "next") throw new Error("expected a held call to go on to approval");
    expect(step.state.decision).toMatchObject({ decision: "escalated", reason_code: "wire", approvers: ["ops"] });
  });

  it("denies, retryably, when the moderation pass a block policy needs cannot run", async () => {
    const moderated = policyRow("threats", {
      Type: "content",
      Mode: "block",
      Tools: "payments.*",
      "Deny terms": "zzz",
      Moderation: "threats",
    });
    const step = await guarded(
      [moderated],
      { note: "hello" },
      (world) => (world.moderation = { ok: false, failure: "timeout" }),
    );
    expect(step.kind === "end" && step.result.denial).toMatchObject({
      code: "moderation_unavailable",
      retryable: true,
    });
  });
});
