/**
 * Hostile policy rows through `PUT /admin/policies`: conditions whose work could stall every call, and row fields a
 * careless or hostile manager could write. Each is refused with a reason a manager can act on, nothing is changed,
 * and the last good snapshot stays in force. Then a hostile argument against an accepted condition: decided fail
 * closed, with the reason on the outcome, the ledger and the audit row.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CONDITION_MAX_INPUT_VALUES } from "../../src/policy/cel-cost";
import { useNetwork } from "../hosts/upstream";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

const GOOD = {
  Name: "Refunds over $500 are blocked",
  "Policy ID": "big_refunds",
  Type: "block",
  Mode: "block",
  Status: "Active",
  Tools: "payments.create_refund",
  Condition: "args.amount_cents > 50000",
};

/** A valid row to build a hostile one from. */
const row = (overrides: Record<string, unknown>) => ({ ...GOOD, "Policy ID": "hostile", ...overrides });
const condition = (Condition: string) => row({ Condition });

interface Case {
  name: string;
  rows: unknown[];
  /** The label of the refused row (its Policy ID, else its index) and the reason it is given. */
  refused: string;
  reason: RegExp;
}

const costly =
  /^Condition: is too costly: on arguments of up to 10,000 values it can take about \S+ steps, over the budget of 300,000/;

const conditionCases: Case[] = [
  {
    name: "two comprehensions over argument lists, nested, are refused as too costly",
    rows: [condition("args.a.all(x, args.b.exists(y, x == y))")],
    refused: "hostile",
    reason: costly,
  },
  {
    name: "three comprehensions over one list, nested, are refused as too costly",
    rows: [condition("args.items.all(x, args.items.all(y, args.items.exists(z, x == y && y == z)))")],
    refused: "hostile",
    reason: costly,
  },
  {
    name: "a comprehension over an argument split into pieces is refused as too costly",
    rows: [condition('args.csv.split(",").exists(p, p == "drop")')],
    refused: "hostile",
    reason: costly,
  },
  {
    name: "a string doubled by cel.bind until it is huge is refused as too costly",
    rows: [condition("cel.bind(a, args.s + args.s, cel.bind(b, a + a, cel.bind(c, b + b, c.size() > 0)))")],
    refused: "hostile",
    reason: costly,
  },
  {
    name: "an unanchored regex over a long argument is refused as too costly",
    rows: [condition('args.memo.matches("[a-z]{1,20}x")')],
    refused: "hostile",
    reason: costly,
  },
  {
    name: "comprehensions nested eighteen deep are refused before the estimate itself runs long",
    rows: [
      condition(
        Array.from({ length: 18 }, (_, i) => i).reduce(
          (inner, i) => `${i === 17 ? "args" : `x${i + 1}`}.all(x${i}, ${inner})`,
          "x0 > 0",
        ),
      ),
    ],
    refused: "hostile",
    reason: /^Condition: nests too many comprehensions to estimate its cost/,
  },
  {
    name: "a `matches` pattern taken from the arguments is refused",
    rows: [condition("args.memo.matches(args.pattern)")],
    refused: "hostile",
    reason: /^Condition: uses `matches` with a pattern that is not a quoted string/,
  },
  {
    name: "a `matches` pattern that backtracks exponentially is refused",
    rows: [condition('args.memo.matches("^(a+)+$")')],
    refused: "hostile",
    reason: /^Condition: uses `matches` with a pattern that is refused: The pattern repeats a group/,
  },
  {
    name: "a `matches` pattern with an unbounded repeat is refused",
    rows: [condition('args.memo.matches("^a.*b$")')],
    refused: "hostile",
    reason: /^Condition: uses `matches` with a pattern that is refused: The pattern has a repeat with no upper limit/,
  },
  {
    name: "a `matches` pattern with a backreference is refused",
    rows: [condition('args.memo.matches("^(a{1,5})\\\\1$")')],
    refused: "hostile",
    reason: /refers back to an earlier group/,
  },
  {
    name: "parentheses nested a hundred deep are refused by the parser",
    rows: [condition(`${"(".repeat(100)}true${")".repeat(100)}`)],
    refused: "hostile",
    reason: /^Condition: CEL syntax error at \d+: Exceeded maxDepth/,
  },
  {
    name: "a list literal of 1,001 elements is refused",
    rows: [condition(`args.amount_cents in [${Array.from({ length: 1001 }, () => "0").join(",")}]`)],
    refused: "hostile",
    reason: /^Condition: CEL syntax error at \d+: Exceeded maxListElements/,
  },
  {
    name: "a condition longer than 4,000 characters is refused",
    rows: [condition(`args.memo == "${"x".repeat(5000)}"`)],
    refused: "hostile",
    reason: /^Condition: is longer than 4000 characters/,
  },
  {
    name: "a list literal nested a hundred deep is refused by the parser",
    rows: [condition(`args.x in ${"[".repeat(100)}1${"]".repeat(100)}`)],
    refused: "hostile",
    reason: /^Condition: CEL syntax error at \d+: Exceeded maxDepth/,
  },
  {
    name: "a function the engine does not have is refused",
    rows: [condition('args.memo.exec("rm -rf /")')],
    refused: "hostile",
    reason: /^Condition: CEL type error at \d+: .*exec/,
  },
  {
    name: "a variable the engine does not have is refused",
    rows: [condition("process.env.ADMIN_TOKEN != null")],
    refused: "hostile",
    reason: /^Condition: CEL type error at \d+: Unknown variable: process/,
  },
  {
    name: "adding a number to a string is refused as a type error",
    rows: [condition('1 + "1" == 2')],
    refused: "hostile",
    reason: /^Condition: CEL type error at \d+: no such overload: int \+ string/,
  },
  {
    name: "a condition that gives text instead of true or false is refused",
    rows: [condition('"block everything"')],
    refused: "hostile",
    reason: /^Condition: gives a value of type string, not true or false/,
  },
  {
    name: "a cost expression with nested comprehensions is refused as too costly",
    rows: [
      row({
        Type: "cost",
        Mode: "block",
        Cap: 1000,
        Unit: "usd_cents",
        Window: "day",
        Per: "agent",
        Cost: "double(args.a.filter(x, args.b.exists(y, x == y)).size())",
        Condition: "",
      }),
    ],
    refused: "hostile",
    reason: /^Cost: .*too costly/,
  },
];

const fieldCases: Case[] = [
  {
    name: "a Tools glob with regex brackets is refused",
    rows: [row({ Tools: "payments.[a-z]*" })],
    refused: "hostile",
    reason: /^Tools: "payments\.\[a-z\]\*" is not a valid tool pattern/,
  },
  {
    name: "a Tools glob with a regex alternation is refused",
    rows: [row({ Tools: "payments.(create_refund|list_refunds)" })],
    refused: "hostile",
    reason: /^Tools: "payments\.\(create_refund\|list_refunds\)" is not a valid tool pattern/,
  },
  {
    name: "a Tools cell of 5,000 patterns is refused",
    rows: [row({ Tools: Array.from({ length: 5000 }, (_, i) => `host${i}.*`).join(", ") })],
    refused: "hostile",
    reason: /^Tools: lists 5000 tool patterns; keep it to 100/,
  },
  {
    name: "a tool pattern of 5,000 characters is refused",
    rows: [row({ Tools: `payments.${"a".repeat(5000)}*` })],
    refused: "hostile",
    reason: /^Tools: a pattern of 5010 characters is longer than 200/,
  },
  {
    name: "a Tools cell of only commas is refused as empty",
    rows: [row({ Tools: ", , ,\n," })],
    refused: "hostile",
    reason: /^Tools: is empty/,
  },
  {
    name: "an unknown Mode is refused",
    rows: [row({ Mode: "destroy" })],
    refused: "hostile",
    reason: /^Mode: "destroy" is not one of block, pause, redact, alert, log/,
  },
  {
    name: "a Mode spelled with a Cyrillic o is refused",
    rows: [row({ Mode: "bl\u043eck" })],
    refused: "hostile",
    reason: /^Mode: "bl\u043eck" is not one of/,
  },
  {
    name: "a Type spelled with a Cyrillic a is refused",
    rows: [row({ Type: "\u0430llow", Mode: "log" })],
    refused: "hostile",
    reason: /^Type: "\u0430llow" is not one of/,
  },
  {
    name: "a Policy ID with a Cyrillic e is refused",
    rows: [row({ "Policy ID": "big_r\u0435funds" })],
    refused: "big_r\u0435funds",
    reason: /^Policy ID: "big_r\u0435funds" must be 1 to 64 lower-case letters/,
  },
  {
    name: "a Policy ID with a zero-width space is refused",
    rows: [row({ "Policy ID": "big\u200b_refunds" })],
    refused: "big\u200b_refunds",
    reason: /^Policy ID: .* must be 1 to 64 lower-case letters/,
  },
  {
    name: "two rows with one Policy ID are both refused",
    rows: [row({ "Policy ID": "twin" }), row({ "Policy ID": "twin", Name: "Another" })],
    refused: "twin",
    reason: /^Policy ID: "twin" is used by 2 rows; give each row its own id/,
  },
  {
    name: "a row reusing the good row's Policy ID is refused",
    rows: [row({ "Policy ID": "big_refunds", Name: "Impostor", Type: "allow", Mode: "log" })],
    refused: "big_refunds",
    reason: /^Policy ID: "big_refunds" is used by 2 rows/,
  },
  {
    name: "an empty Name is refused",
    rows: [row({ Name: "" })],
    refused: "hostile",
    reason: /^Name: is empty; give the policy a name/,
  },
  {
    name: "a Name of only spaces is refused as empty",
    rows: [row({ Name: "   \t " })],
    refused: "hostile",
    reason: /^Name: is empty/,
  },
  {
    name: "a Name with a right-to-left override is refused",
    rows: [row({ Name: "Refunds \u202eevoba 005$" })],
    refused: "hostile",
    reason: /^Name: holds an invisible or control character \(U\+202E\); remove it/,
  },
  {
    name: "a Name with a zero-width joiner is refused",
    rows: [row({ Name: "Ref\u200dunds" })],
    refused: "hostile",
    reason: /^Name: holds an invisible or control character \(U\+200D\)/,
  },
  {
    name: "a Name of 10,000 characters is refused",
    rows: [row({ Name: "N".repeat(10_000) })],
    refused: "hostile",
    reason: /^Name: is 10000 characters long; keep it to 200/,
  },
  {
    name: "a Message of 50,000 characters is refused",
    rows: [row({ Message: "M".repeat(50_000) })],
    refused: "hostile",
    reason: /^Message: is 50000 characters long; keep it to 2000/,
  },
  {
    name: "an Agents cell of 1,000 names is refused",
    rows: [row({ Agents: Array.from({ length: 1000 }, (_, i) => `agent-${i}`) })],
    refused: "hostile",
    reason: /^Agents: lists 1000 names; keep it to 100/,
  },
  {
    name: "an Approvers name of 1,000 characters is refused",
    rows: [row({ Type: "approval", Mode: "pause", Approvers: ["a".repeat(1000)] })],
    refused: "hostile",
    reason: /^Approvers: "a{40}…" is 1000 characters long; keep each name to 100/,
  },
  {
    name: "an unknown Status is refused",
    rows: [row({ Status: "Enabled" })],
    refused: "hostile",
    reason: /^Status: "Enabled" is not one of Draft, Shadow, Active, Retired/,
  },
  {
    name: "a Priority of 400 nines (Infinity) is refused",
    rows: [row({ Priority: "9".repeat(400) })],
    refused: "hostile",
    reason: /^Priority: Infinity is not a number/,
  },
  {
    name: "a Priority that is not a number is refused",
    rows: [row({ Priority: "highest" })],
    refused: "hostile",
    reason: /^Priority: "highest" is not a number/,
  },
  {
    name: "an allow row that would block is refused",
    rows: [row({ Type: "allow", Mode: "block" })],
    refused: "hostile",
    reason: /^Mode: "block" does not fit Type allow; use log or alert/,
  },
  {
    name: "a Reason code that is not snake_case is refused",
    rows: [row({ "Reason code": "Policy Blocked!" })],
    refused: "hostile",
    reason: /^Reason code: "Policy Blocked!" must be snake_case/,
  },
  {
    name: "a row that is a string, not an object, is refused",
    rows: ["'; DROP TABLE policy_snapshots; --"],
    refused: "1",
    reason: /^Row: must be an object of Notion properties/,
  },
];

describe("hostile policy rows through PUT /admin/policies", () => {
  let tenant: string;
  let good: { snapshot: string; rows: unknown[] };

  beforeAll(async () => {
    ({ tenant } = await newTenant({ rows: [GOOD] }));
    good = (await admin("GET", `/policies?tenant=${tenant}`)).body;
  });

  it.for([...conditionCases, ...fieldCases])("$name, and the last good snapshot stays in force", async (c) => {
    const put = await admin("PUT", `/policies?tenant=${tenant}`, { rows: [GOOD, ...c.rows] });
    // A row accepted by mistake must not leave the next cases judging against the wrong snapshot.
    if (put.status === 200) await admin("PUT", `/policies?tenant=${tenant}`, { rows: [GOOD] });
    expect([put.status, put.body.error?.code, put.body.error?.message]).toEqual([
      422,
      "policy_rows_rejected",
      "Some rows are invalid; nothing was changed.",
    ]);
    expect(put.body.error.details).toContainEqual({ row: c.refused, reason: expect.stringMatching(c.reason) });
    const after = (await admin("GET", `/policies?tenant=${tenant}`)).body;
    expect(after).toEqual(good);
  });

  it("still enforces the last good snapshot after every refusal", async () => {
    const { key } = await newTenant({ rows: [GOOD] });
    const client = await connect(key);
    const { outcome } = await call(client, "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: 60_000,
      reason: "hostile suite",
    });
    expect(outcome.decision).toMatchObject({ decision: "denied", policy_ids: ["big_refunds"] });
    expect((await admin("GET", `/policies?tenant=${tenant}`)).body.snapshot).toBe(good.snapshot);
  });
});

describe("a hostile argument against an accepted nested condition", () => {
  const network = useNetwork();

  it("is decided fail closed before the host runs, with condition_budget_exceeded on the outcome, ledger and audit row", async () => {
    const { url, fake } = network.upstream();
    const nested = 'args.orders.exists(o, o.lines.exists(l, l.sku == "blocked"))';
    const { tenant, key } = await newTenant({
      rows: [
        {
          ...GOOD,
          "Policy ID": "blocked_skus",
          Name: "Orders with a blocked SKU",
          Tools: "tickets.*",
          Condition: nested,
        },
      ],
    });
    expect((await admin("POST", `/hosts?tenant=${tenant}`, { id: "tickets", url })).status).toBe(201);
    const orders = Array.from({ length: CONDITION_MAX_INPUT_VALUES }, () => ({ lines: [{ sku: "ok" }] }));
    const { outcome } = await call(await connect(key), "tickets.create_ticket", {
      title: "Bulk order",
      priority: "low",
      sku: "blocked",
      orders,
    });
    expect(outcome).toMatchObject({
      outcome: "denied",
      decision: { decision: "denied", reason_code: "condition_budget_exceeded", policy_ids: ["blocked_skus"] },
    });
    expect(fake.calls("tools/call")).toHaveLength(0);
    const entries = (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries as any[];
    const decision = entries.find((e) => e.invocation_id === outcome.invocation_id && e.kind === "decision");
    expect(decision.body).toMatchObject({
      reason_code: "condition_budget_exceeded",
      condition_errors: [
        {
          policy_id: "blocked_skus",
          error: expect.stringMatching(/^condition_budget_exceeded: `args` holds more than 10,000 values/),
        },
      ],
    });
    expect(entries.filter((e) => e.invocation_id === outcome.invocation_id).map((e) => e.kind)).toEqual([
      "decision",
      "outcome",
    ]);
    const [audit] = await auditRows(tenant, 1);
    expect(audit).toMatchObject({ invocation_id: outcome.invocation_id, reason_code: "condition_budget_exceeded" });
  });
});
