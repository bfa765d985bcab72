import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with `npm start`, `npm run demo` and the smoke run
import { childFailure, localCredentials, LOCAL_DEFAULTS, portFromEnv } from "../../scripts/local-worker.mjs";

describe("localCredentials", () => {
  it("uses the shell's ADMIN_TOKEN and DEMO_AGENT_KEY when set", () => {
    expect(localCredentials({ ADMIN_TOKEN: "mine", DEMO_AGENT_KEY: "pos_mine" })).toEqual({
      adminToken: "mine",
      demoAgentKey: "pos_mine",
    });
  });

  it("falls back to the documented defaults when they are unset or empty", () => {
    expect(localCredentials({ ADMIN_TOKEN: "" })).toEqual(LOCAL_DEFAULTS);
  });
});

describe("portFromEnv", () => {
  it("reads a port, and uses the default when the variable is unset or empty", () => {
    expect(portFromEnv("PORT", 8787, { PORT: "9000" })).toBe(9000);
    expect(portFromEnv("PORT", 8787, {})).toBe(8787);
    expect(portFromEnv("PORT", 8787, { PORT: " " })).toBe(8787);
  });

  it.each(["abc", "0", "65536", "80.5", "-1"])("refuses %s, naming the variable", (value) => {
    expect(() => portFromEnv("NOTION_EMULATOR_PORT", 8788, { NOTION_EMULATOR_PORT: value })).toThrow(
      /NOTION_EMULATOR_PORT must be a port number/,
    );
  });
});

describe("childFailure", () => {
  it("names the exit code and ends with the command's stderr", () => {
    const message = childFailure("the Notion setup", {
      code: 2,
      stderr: "Creating Policies…\npolicy-os notion setup: the Worker refused PUT /admin/notion: 401 unauthorized\n",
    });
    expect(message).toBe(
      "the Notion setup exited with code 2:\nCreating Policies…\npolicy-os notion setup: the Worker refused PUT /admin/notion: 401 unauthorized",
    );
  });

  it("says so when the command could not start or wrote nothing", () => {
    expect(childFailure("the Notion setup", { error: new Error("spawn ENOENT") })).toBe(
      "the Notion setup could not run: spawn ENOENT and wrote nothing to stderr",
    );
    expect(childFailure("the Notion setup", { code: null, signal: "SIGKILL" })).toBe(
      "the Notion setup was stopped by SIGKILL and wrote nothing to stderr",
    );
  });

  it("keeps only the last 20 lines of a long stderr", () => {
    const stderr = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const message = childFailure("x", { code: 1, stderr });
    expect(message).toContain("line 49");
    expect(message).not.toContain("line 29\n");
  });
});
