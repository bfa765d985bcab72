import { describe, expect, it } from "vitest";
import { callerSentence } from "../../src/notion/approvals/approval-page";

describe("what an approval page says about who is asking", () => {
  it("says how the caller proved itself, whom it acts for and what verified it, its workspace and its run", () => {
    const sentence = callerSentence({
      requested_for: "pat@acme.test",
      caller: {
        via: "key",
        person: "pat@acme.test",
        person_verified_by: "acts_for",
        workspace: "support",
        run: "minted",
      },
    });
    expect(sentence).toBe(
      "The agent proved itself with its API key. It acts for pat@acme.test, verified by the agent's Acts for; it " +
        "named workspace support (in the agent's Workspaces) and a run Policy OS minted for it. pat@acme.test " +
        "cannot decide this request.",
    );
  });

  it("names a verified token as the proof of the person", () => {
    const sentence = callerSentence({
      requested_for: "sam@acme.test",
      caller: { via: "token", person: "sam@acme.test", person_verified_by: "token", workspace: null, run: "none" },
    });
    expect(sentence).toContain("a verified OAuth access token");
    expect(sentence).toContain("verified by the OAuth token's subject");
    expect(sentence).toContain("no workspace and no run");
  });

  it("says so when the request was held before callers' facts were verified", () => {
    expect(callerSentence({ requested_for: "pat", caller: null })).toContain("taken as the agent said");
  });
});
