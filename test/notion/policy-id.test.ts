import { describe, expect, it } from "vitest";
import { givenIdNote, givenIdOf, slugOf, uniquePolicyId } from "../../src/notion/sync/policy-id";

const VALID_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

describe("Policy IDs given from a row's Name", () => {
  it("turns a Name into a lower-case id with words joined by _", () => {
    expect(slugOf("Refunds over $500 need a manager")).toBe("refunds_over_500_need_a_manager");
    expect(slugOf("  Pause -- EXPORTS!  ")).toBe("pause_exports");
  });

  it("drops accents and falls back to `policy` when a Name has no letter or digit", () => {
    expect(slugOf("Clés privées gelées")).toBe("cles_privees_gelees");
    expect(slugOf("🚫 ⛔")).toBe("policy");
  });

  it("keeps a long Name's id within 64 characters, never ending in _", () => {
    const id = slugOf(`${"word ".repeat(12)}x`);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(id).toMatch(VALID_ID);
    expect(id.endsWith("_")).toBe(false);
  });

  it("adds _2, _3… when the id is taken, still within 64 characters", () => {
    expect(uniquePolicyId("Pause exports", new Set())).toBe("pause_exports");
    expect(uniquePolicyId("Pause exports", new Set(["pause_exports"]))).toBe("pause_exports_2");
    expect(uniquePolicyId("Pause exports", new Set(["pause_exports", "pause_exports_2"]))).toBe("pause_exports_3");
    const long = "a".repeat(80);
    const id = uniquePolicyId(long, new Set([slugOf(long)]));
    expect(id).toBe(`${"a".repeat(62)}_2`);
    expect(id).toMatch(VALID_ID);
  });

  it("reads the given id back from the Sync status that announces it, and nothing from other statuses", () => {
    expect(givenIdOf(`ok · in force in snapshot sha256:0123456789ab${givenIdNote("pause_exports")}`)).toBe(
      "pause_exports",
    );
    expect(givenIdOf("ok · in force in snapshot sha256:0123456789ab")).toBeNull();
    expect(givenIdOf('not applied: Name: "Policy ID "x" given from the Name" is odd')).toBeNull();
  });
});
