import { describe, expect, it } from "vitest";
import { compilePolicies } from "../../src/policy/compile";
import { parsePolicyRow } from "../../src/policy/policy-row.schema";
import { DEFAULT_POSTURE } from "../../src/policy/types";
import { row } from "./helpers";

async function reasonFor(overrides: Record<string, unknown>): Promise<string> {
  const { rejected } = await compilePolicies([row(overrides)], { posture: DEFAULT_POSTURE });
  return rejected[0]?.reason ?? "accepted";
}

describe("a policy row", () => {
  it.each([
    [
      "a CEL syntax error",
      { Condition: "args.amount_cents > " },
      "Condition: CEL syntax error at 20: Unexpected token: EOF",
    ],
    ["an unknown variable", { Condition: "amount > 5" }, "Condition: CEL type error at 1: Unknown variable: amount"],
    [
      "a bad glob",
      { Tools: "pay ments.*" },
      'Tools: "pay ments.*" is not a valid tool pattern; use letters, digits, _ - . and the wildcards * and ?',
    ],
    ["empty Tools", { Tools: " " }, "Tools: is empty; list tool patterns such as payments.* or crm.update_contact"],
    ["an unknown mode", { Mode: "hold" }, 'Mode: "hold" is not one of block, pause, redact, alert, log'],
    [
      "an unknown type",
      { Type: "deny" },
      'Type: "deny" is not one of allow, block, approval, cost, privacy, content, compliance',
    ],
    ["a missing status", { Status: undefined }, "Status: is empty; choose one of Draft, Shadow, Active, Retired"],
    [
      "an allow row that pauses",
      { Type: "allow", Mode: "pause" },
      'Mode: "pause" does not fit Type allow; use log or alert',
    ],
    [
      "a compliance row that blocks",
      { Type: "compliance", Mode: "block" },
      'Mode: "block" does not fit Type compliance; use log or alert',
    ],
    [
      "an approval row that blocks",
      { Type: "approval", Mode: "block" },
      'Mode: "block" does not fit Type approval; use pause or alert or log',
    ],
    ["a cost row without a cap", { Type: "cost" }, "Cap: is empty; set the most the window allows, in the Unit"],
    [
      "a cost row whose Cost is not a number",
      { Type: "cost", Cap: 50000, Cost: "'ten dollars'" },
      "Cost: gives a value of type string, not a number",
    ],
    [
      "a cost row with an unknown window",
      { Type: "cost", Cap: 100, Unit: "calls", Window: "hour" },
      'Window: "hour" is not one of run, day, week, month',
    ],
    [
      "a privacy row naming an unknown detector",
      { Type: "privacy", Detectors: ["email", "passport"] },
      'Detectors: "passport" is not a detector; use secret, iban, payment_card, us_ssn, email, phone',
    ],
    [
      "a privacy row with an unsafe pattern",
      { Type: "privacy", Pattern: "(a+)+$" },
      "Pattern: The pattern repeats a group that itself contains a repeat or a choice, like (a+)+ or (a|b)*. Such patterns can take exponentially long on some text; repeat a single character class instead, like [ab]{1,20}.",
    ],
    [
      "a content row with neither deny terms nor moderation guidance",
      { Type: "content" },
      "Deny terms: is empty; list the terms or /patterns/ this policy looks for, or say in Moderation what Claude should flag",
    ],
    [
      "a content row whose moderation guidance runs past 1,000 characters",
      { Type: "content", Moderation: "threats ".repeat(130) },
      "Moderation: is 1039 characters; say what to flag in at most 1000",
    ],
    [
      "a privacy row that pauses",
      { Type: "privacy", Mode: "pause" },
      'Mode: "pause" does not fit Type privacy; use block or redact or alert or log',
    ],
    [
      "a bad Policy ID",
      { "Policy ID": "Refund Limit" },
      'Policy ID: "Refund Limit" must be 1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit',
    ],
    ["a missing name", { Name: "" }, "Name: is empty; give the policy a name agents and approvers will see"],
    ["a non-numeric priority", { Priority: "high" }, 'Priority: "high" is not a number'],
    [
      "a bad reason code",
      { "Reason code": "Too-Big" },
      'Reason code: "Too-Big" must be snake_case: lower-case letters, digits and _, starting with a letter, up to 64',
    ],
    ["a Name of 201 characters", { Name: "n".repeat(201) }, "Name: is 201 characters long; keep it to 200"],
    [
      "a Name with a bidirectional override",
      { Name: "Refunds\u202e" },
      "Name: holds an invisible or control character (U+202E); remove it",
    ],
    [
      "a Message with a zero-width space",
      { Message: "Blocked\u200b." },
      "Message: holds an invisible or control character (U+200B); remove it",
    ],
    [
      "a Tools cell of 101 patterns",
      { Tools: Array.from({ length: 101 }, (_, i) => `h${i}.*`).join(",") },
      "Tools: lists 101 tool patterns; keep it to 100 (a wildcard such as payments.* covers a host)",
    ],
    [
      "a tool pattern of 201 characters",
      { Tools: "a".repeat(201) },
      "Tools: a pattern of 201 characters is longer than 200",
    ],
    [
      "a Scopes cell of 101 names",
      { Scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) },
      "Scopes: lists 101 names; keep it to 100",
    ],
    [
      "a nested comprehension over two argument lists",
      { Condition: "args.a.all(x, args.b.exists(y, x == y))" },
      "Condition: is too costly: on arguments of up to 10,000 values it can take about 5.0e8 steps, over the budget of 300,000 (from `all()` at 1); do not nest comprehensions over argument lists: iterate over one list, or a short literal one",
    ],
  ])("is refused for %s", async (_, overrides, reason) => {
    expect(await reasonFor(overrides)).toBe(reason);
  });

  it("names every broken column in one reason", async () => {
    expect(await reasonFor({ Mode: "hold", Tools: "a b" })).toBe(
      'Mode: "hold" is not one of block, pause, redact, alert, log; Tools: "a b" is not a valid tool pattern; use letters, digits, _ - . and the wildcards * and ?',
    );
  });

  it("is refused when it is not an object, labelled by its index", async () => {
    const { rejected } = await compilePolicies(["nope", null], { posture: DEFAULT_POSTURE });
    expect(rejected).toEqual([
      { row: "0", reason: "Row: must be an object of Notion properties" },
      { row: "1", reason: "Row: must be an object of Notion properties" },
    ]);
  });

  it("reads a cost row's cap, unit, window, counter and cost expression", () => {
    const parsed = parsePolicyRow(
      row({
        Type: "cost",
        Cap: "50000",
        Unit: "usd_cents",
        Window: "week",
        Per: "workspace",
        Cost: "args.amount_cents",
      }),
    );
    expect(parsed.ok && parsed.row.guard).toEqual({
      kind: "cost",
      cap: 50000,
      unit: "usd_cents",
      window: "week",
      per: "workspace",
      cost: "args.amount_cents",
    });
  });

  it("gives a cost row a daily cap per agent in cents when Unit, Window and Per are blank", () => {
    const parsed = parsePolicyRow(row({ Type: "cost", Cap: 100 }));
    expect(parsed.ok && parsed.row.guard).toMatchObject({ unit: "usd_cents", window: "day", per: "agent" });
  });

  it("splits a content row's terms on commas and lines, keeping /patterns/ whole", () => {
    const parsed = parsePolicyRow(
      row({
        Type: "content",
        "Deny terms": "wire transfer, gift card\n/ref-[0-9]{2,4},x/",
        "Allow terms": "gift card balance",
      }),
    );
    expect(parsed.ok && parsed.row.guard).toEqual({
      kind: "content",
      deny: ["wire transfer", "gift card", "/ref-[0-9]{2,4},x/"],
      allow: ["gift card balance"],
      results: false,
      moderation: "",
    });
  });

  it("reads a content row's Moderation guidance, which stands in for deny terms", () => {
    const parsed = parsePolicyRow(row({ Type: "content", Moderation: "  Threats against a person.  " }));
    expect(parsed.ok && parsed.row.guard).toMatchObject({
      kind: "content",
      deny: [],
      moderation: "Threats against a person.",
    });
  });

  it("fills defaults and ignores Sync status and unknown properties", () => {
    const parsed = parsePolicyRow(
      row({ Type: "approval", Mode: "pause", Name: "Big refunds", "Sync status": "error", Color: "red" }),
    );
    expect(parsed).toEqual({
      ok: true,
      row: {
        policy_id: "p1",
        name: "Big refunds",
        type: "approval",
        mode: "pause",
        status: "Active",
        tools: ["payments.create_refund"],
        agents: [],
        scopes: [],
        users: [],
        approvers: [],
        tags: [],
        condition: "",
        priority: 0,
        reason_code: "approval_required",
        message: 'Needs approval under policy "Big refunds".',
      },
    });
  });

  it.each([
    ["block", "block", "policy_blocked"],
    ["allow", "log", "policy_allowed"],
    ["compliance", "log", "compliance_tagged"],
  ])("defaults the reason code of a %s row", (Type, Mode, code) => {
    const parsed = parsePolicyRow(row({ Type, Mode }));
    expect(parsed.ok && parsed.row.reason_code).toBe(code);
  });

  it("keeps line breaks in a Message, and a Name of exactly 200 characters", async () => {
    expect(await reasonFor({ Name: "n".repeat(200), Message: "Blocked.\nAsk finance." })).toBe("accepted");
  });

  it("accepts multi-selects as lists or comma-separated text, and numbers as text", () => {
    const parsed = parsePolicyRow(
      row({ Agents: "a, b,,a", Tags: ["SOX", " PCI "], Tools: "payments.*\ncrm.get_contact", Priority: "7" }),
    );
    expect(parsed.ok && [parsed.row.agents, parsed.row.tags, parsed.row.tools, parsed.row.priority]).toEqual([
      ["a", "b"],
      ["SOX", "PCI"],
      ["payments.*", "crm.get_contact"],
      7,
    ]);
  });
});
