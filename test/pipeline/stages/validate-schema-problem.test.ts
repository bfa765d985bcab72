import { describe, expect, it } from "vitest";
import { startCall } from "../../../src/pipeline/call-state";
import { validate } from "../../../src/pipeline/stages/validate";
import { fakeDeps, snapshotOf, toolCall } from "../fake-deps";

describe("the validate stage, when the tool's own schema is at fault", () => {
  it("ends the call invalid with the schema's code and message, not invalid_arguments", async () => {
    const { deps } = fakeDeps();
    const message = "The input schema of payments.create_refund has a regex at /properties/reason/pattern …";
    const validateArguments = () => ({
      ok: false as const,
      code: "unsafe_schema_pattern",
      errors: [{ path: "", message }],
    });
    const call = toolCall(await snapshotOf([]), "payments.create_refund", { amount_cents: 500 });
    const step = await validate({ ...deps, validateArguments }, startCall(deps, call));
    if (step.kind !== "end") throw new Error("expected the call to end");
    expect(step.verdict).toBe("invalid");
    expect(step.result.error).toMatchObject({ code: "unsafe_schema_pattern", message, retryable: false });
  });
});
