import { describe, expect, it } from "vitest";
import { startCall } from "../../../src/pipeline/call-state";
import { validate } from "../../../src/pipeline/stages/validate";
import { fakeDeps, snapshotOf, toolCall } from "../fake-deps";

describe("the validate stage", () => {
  it("ends a call to a tool the agent may not see as invalid unknown_tool, without asking the catalog", async () => {
    const { deps } = fakeDeps();
    let asked = 0;
    const tools = { resolve: async () => (asked++, null) };
    const call = toolCall(await snapshotOf([]), "billing.charge", {});
    const step = await validate({ ...deps, tools }, startCall(deps, call));
    expect(step).toMatchObject({ kind: "end", verdict: "invalid", result: { outcome: "invalid" } });
    expect(step.kind === "end" && step.result.error).toMatchObject({ code: "unknown_tool", retryable: false });
    expect(asked).toBe(0);
  });

  it("ends a call whose arguments miss a required field, saying which, and names the tool's version", async () => {
    const { deps } = fakeDeps();
    const call = toolCall(await snapshotOf([]), "payments.create_refund", { reason: "damaged" });
    const step = await validate(deps, startCall(deps, call));
    if (step.kind !== "end") throw new Error("expected the call to end");
    expect(step.result.error?.code).toBe("invalid_arguments");
    expect(step.result.error?.message).toBe(
      "The arguments do not match payments.create_refund's input schema: amount_cents is required.",
    );
    expect(step.state.descriptor?.version).toBe("1.0.0");
  });

  it("refuses arguments that are not a plain JSON object before the schema is read", async () => {
    const { deps } = fakeDeps();
    const call = toolCall(await snapshotOf([]), "payments.lookup", JSON.parse('{"__proto__": {"admin": true}}'));
    const step = await validate(deps, startCall(deps, call));
    expect(step.kind === "end" && step.result.error?.details).toEqual({
      errors: [{ path: "/__proto__", message: 'the key "__proto__" is not allowed' }],
    });
  });

  it("hands on a valid call with its host, its arguments and their hash", async () => {
    const { deps } = fakeDeps();
    const call = toolCall(await snapshotOf([]), "payments.create_refund", { amount_cents: 500 });
    const step = await validate(deps, startCall(deps, call));
    if (step.kind !== "next") throw new Error("expected the call to go on");
    expect(step.state.host.id).toBe("payments");
    expect(step.state.args).toEqual({ amount_cents: 500 });
    expect(step.state.args_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
