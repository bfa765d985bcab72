import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

/**
 * Hostile input schemas from an upstream MCP host, and hostile agent text against them. Every call ends in a bounded,
 * structured outcome (`invalid` with `invalid_arguments`, `unsafe_schema_pattern` or `unusable_schema`, or a run),
 * and every call has its decision and outcome ledger entries and its audit row.
 */

type Json = Record<string, unknown>;

interface Row {
  /** What must hold, as a sentence. */
  name: string;
  /** The tool's input schema; `type: "object"` is added. */
  schema: Json;
  args: Json;
  /** The outcome and reason code the agent must get (`succeeded` runs the host). */
  outcome: "succeeded" | "invalid";
  code?: "invalid_arguments" | "unsafe_schema_pattern" | "unusable_schema";
  /** Part of the error message, e.g. the schema path a refusal names. */
  says?: string;
}

const str = (pattern: unknown, extra: Json = {}): Json => ({
  properties: { s: { type: "string", pattern, ...extra } },
  required: ["s"],
});

function nested(levels: number, keyword: "allOf" | "properties"): Json {
  let schema: Json = { type: "string" };
  for (let i = 0; i < levels; i++) schema = keyword === "allOf" ? { allOf: [schema] } : { properties: { x: schema } };
  return schema;
}

// What zod's z.email() puts in a JSON Schema, as TypeScript MCP servers publish it.
const ZOD_EMAIL =
  "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";

const hugeEnum = Array.from({ length: 20_000 }, (_, i) => `value-${i}`);

const ROWS: Row[] = [
  {
    name: "an agent's string that stalls a backtracking ^(a+)+$ gets invalid_arguments",
    schema: str("^(a+)+$"),
    args: { s: `${"a".repeat(40)}!` },
    outcome: "invalid",
    code: "invalid_arguments",
    says: "does not match pattern",
  },
  {
    name: "a string that fits ^(a+)+$ runs the tool",
    schema: str("^(a+)+$"),
    args: { s: "a".repeat(10_000) },
    outcome: "succeeded",
  },
  {
    name: "overlapping choices (a|aa)+$ answer a long near-miss with invalid_arguments",
    schema: str("(a|aa)+$"),
    args: { s: `${"a".repeat(5_000)}b` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a repeated word-and-space group ^(\\w+\\s?)*$ answers a long near-miss with invalid_arguments",
    schema: str("^(\\w+\\s?)*$"),
    args: { s: `${"word ".repeat(2_000)}!` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a polynomial (.*a){12} answers a long near-miss with invalid_arguments",
    schema: str("^(.*a){12}$"),
    args: { s: `${"a".repeat(5_000)}b` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "the classic email ReDoS answers a long near-miss with invalid_arguments",
    schema: str("^([a-zA-Z0-9_.-])+@(([a-zA-Z0-9-])+.)+([a-zA-Z0-9]{2,4})+$"),
    args: { s: `a@${"a".repeat(5_000)}!` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "an unanchored trailing-space \\s+$ answers 50,000 spaces and a letter with invalid_arguments",
    schema: str("\\s+$"),
    args: { s: `${" ".repeat(50_000)}x` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a lookahead after the start ends unsafe_schema_pattern naming its schema path, and nothing runs",
    schema: str("^[a-z]+(?=\\d)\\d$"),
    args: { s: "abc1" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "/properties/s/pattern",
  },
  {
    name: "a lookbehind pattern ends unsafe_schema_pattern",
    schema: str("(?<=@)example\\.com$"),
    args: { s: "a@example.com" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "a backreference ends unsafe_schema_pattern",
    schema: str("^(a+)\\1$"),
    args: { s: "aaaa" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "refers back",
  },
  {
    name: "a named backreference ends unsafe_schema_pattern",
    schema: str("^(?<w>a+)\\k<w>$"),
    args: { s: "aa" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "invalid regex syntax ends unsafe_schema_pattern, not -32603",
    schema: str("^(a"),
    args: { s: "a" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "not a valid regular expression",
  },
  {
    name: "syntax valid only without the u flag ends unsafe_schema_pattern",
    schema: str("^\\-$"),
    args: { s: "-" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "a pattern that is an array (read as its text by a RegExp) ends unsafe_schema_pattern",
    schema: str(["^(a+)+$"]),
    args: { s: `${"a".repeat(40)}!` },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "is not a string",
  },
  {
    name: "a pattern that is a number ends unsafe_schema_pattern",
    schema: str(5),
    args: { s: "5" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "a pattern of 5,000 characters ends unsafe_schema_pattern",
    schema: str("a".repeat(5_000)),
    args: { s: "a" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "longer than",
  },
  {
    name: "an inline modifier group ends unsafe_schema_pattern",
    schema: str("^(?i:abc)$"),
    args: { s: "ABC" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "zod's email pattern (leading lookaheads) refuses two dots in a row with invalid_arguments",
    schema: str(ZOD_EMAIL, { format: "email" }),
    args: { s: "ada..lovelace@example.com" },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "zod's email pattern (leading lookaheads) runs the tool for a plain address",
    schema: str(ZOD_EMAIL, { format: "email" }),
    args: { s: "ada.lovelace@example.com" },
    outcome: "succeeded",
  },
  {
    name: "a catastrophic patternProperties key ends unsafe_schema_pattern naming the key",
    schema: { patternProperties: { "^(a+)+$": { type: "string" } } },
    args: { [`${"a".repeat(40)}!`]: "x" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
    says: "/patternProperties/^(a+)+$",
  },
  {
    name: "an unanchored patternProperties key with an open repeat ends unsafe_schema_pattern",
    schema: { patternProperties: { "[a-z]+$": { type: "string" } } },
    args: { a: "x" },
    outcome: "invalid",
    code: "unsafe_schema_pattern",
  },
  {
    name: "a bounded patternProperties key is enforced: a matching name's value must fit",
    schema: { patternProperties: { "^x-[a-z]+$": { type: "string" } } },
    args: { "x-trace": 5 },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a catastrophic propertyNames pattern answers a hostile name with invalid_arguments",
    schema: { propertyNames: { pattern: "^(a+)+$" } },
    args: { [`${"a".repeat(40)}!`]: 1 },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a pattern reached only through $ref is enforced on RE2",
    schema: { properties: { s: { $ref: "#/$defs/slug" } }, $defs: { slug: { type: "string", pattern: "^(a+)+$" } } },
    args: { s: `${"a".repeat(40)}!` },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a pattern next to a format keeps the format: both must hold",
    schema: str("^[a-z]+@", { format: "email" }),
    args: { s: "abc@" },
    outcome: "invalid",
    code: "invalid_arguments",
    says: "format",
  },
  {
    name: "a property named pattern is a property, not a regex",
    schema: { properties: { pattern: { type: "string" } }, required: ["pattern"] },
    args: { pattern: "(a+)+$" },
    outcome: "succeeded",
  },
  {
    name: "an enum value shaped like a schema keeps its meaning",
    schema: { properties: { x: { enum: [{ pattern: "(a+)+$" }] } } },
    args: { x: { pattern: "(a+)+$" } },
    outcome: "succeeded",
  },
  {
    name: "a $ref to the root ends unusable_schema, not a stack overflow",
    schema: { $ref: "#" },
    args: {},
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "a $ref loop through two definitions ends unusable_schema",
    schema: { $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/b" }, b: { allOf: [{ $ref: "#/$defs/a" }] } } },
    args: {},
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "a $ref that resolves nowhere ends unusable_schema",
    schema: { properties: { s: { $ref: "#/$defs/missing" } } },
    args: { s: "x" },
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "a $ref into example data ends unusable_schema rather than running a hidden pattern",
    schema: { properties: { s: { $ref: "#/examples/0" } }, examples: [{ pattern: "^(a+)+$" }] },
    args: { s: `${"a".repeat(40)}!` },
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "allOf nested 100 levels deep ends unusable_schema",
    schema: { properties: { s: nested(100, "allOf") } },
    args: { s: "x" },
    outcome: "invalid",
    code: "unusable_schema",
    says: "nests deeper than 64",
  },
  {
    name: "properties nested 100 levels deep end unusable_schema",
    schema: nested(100, "properties"),
    args: {},
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "a format name reserved for the gateway ends unusable_schema",
    schema: { properties: { s: { type: "string", format: "policy-os/pattern:^a$" } } },
    args: { s: "b" },
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "dependencies named like schema keywords end unusable_schema",
    schema: { dependencies: { enum: { properties: { s: { pattern: "^(a+)+$" } } } } },
    args: { enum: 1, s: `${"a".repeat(40)}!` },
    outcome: "invalid",
    code: "unusable_schema",
  },
  {
    name: "a 20,000-value enum answers a value outside it with invalid_arguments",
    schema: { properties: { v: { enum: hugeEnum } } },
    args: { v: "value-20000" },
    outcome: "invalid",
    code: "invalid_arguments",
  },
  {
    name: "a 20,000-value enum runs a value inside it",
    schema: { properties: { v: { enum: hugeEnum } } },
    args: { v: "value-19999" },
    outcome: "succeeded",
  },
  {
    name: "a recursive tree schema that reads deeper at each $ref still runs",
    schema: {
      $defs: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } } },
      properties: { tree: { $ref: "#/$defs/node" } },
    },
    args: { tree: { children: [{ children: [{ children: [] }] }] } },
    outcome: "succeeded",
  },
];

const URL_ = "https://schemas.upstream.test/mcp";
const toolName = (index: number) => `tool_${index}`;
const tools = ROWS.map((row, index) => ({
  name: toolName(index),
  description: row.name,
  inputSchema: { type: "object", ...row.schema },
  // Read-only, so the default posture runs a call whose arguments are valid.
  annotations: { readOnlyHint: true },
}));
let ran = 0;

/** A bare MCP server (stateless, JSON answers) that lists the rows' schemas verbatim and runs any call. */
const upstream = http.all(URL_, async ({ request }) => {
  if (request.method !== "POST") return new HttpResponse(null, { status: 405 });
  const message = (await request.json()) as { id?: number; method: string; params?: Json };
  if (message.id === undefined) return new HttpResponse(null, { status: 202 });
  let result: Json = {};
  if (message.method === "initialize")
    result = {
      protocolVersion: message.params?.protocolVersion,
      capabilities: { tools: {} },
      serverInfo: { name: "schemas", version: "1.0.0" },
    };
  if (message.method === "tools/list") result = { tools };
  if (message.method === "tools/call") {
    ran++;
    result = { content: [{ type: "text", text: "ran" }] };
  }
  return HttpResponse.json({ jsonrpc: "2.0", id: message.id, result });
});
const msw = setupServer(upstream);

beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterAll(() => msw.close());

async function tenantWithSchemas() {
  const t = await newTenant({ rows: [] });
  const registered = await admin("POST", `/hosts?tenant=${t.tenant}`, { id: "schemas", url: URL_ });
  expect(registered.status).toBe(201);
  return t;
}

const ledgerKinds = async (tenant: string, ids: string[]) => {
  const entries = (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries as Json[];
  return ids.map((id) => entries.find((entry) => entry.id === id)?.kind);
};

describe("hostile tool schemas from an upstream host", () => {
  let tenant: string;
  let client: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    const t = await tenantWithSchemas();
    tenant = t.tenant;
    client = await connect(t.key);
  });

  it.for(ROWS.map((row, index) => [row.name, index] as const))("%s", async ([, index]) => {
    const row = ROWS[index]!;
    const before = ran;
    const { outcome } = await call(client, `schemas.${toolName(index)}`, row.args);
    expect(outcome.outcome).toBe(row.outcome);
    expect(ran - before).toBe(row.outcome === "succeeded" ? 1 : 0);
    if (row.code) expect(outcome.error).toMatchObject({ code: row.code, retryable: false });
    if (row.says) expect(JSON.stringify(outcome.error)).toContain(row.says);
    expect(outcome.evidence_ids).toHaveLength(2);
    expect(await ledgerKinds(tenant, outcome.evidence_ids)).toEqual(["decision", "outcome"]);
    const rows = await auditRows(tenant, index + 1);
    expect(rows.find((audit) => audit.invocation_id === outcome.invocation_id)).toMatchObject({
      tool: `schemas.${toolName(index)}`,
      outcome: row.outcome,
      evidence_ids: outcome.evidence_ids,
      ...(row.outcome === "invalid" ? { error_code: row.code } : {}),
    });
  });

  it("lists a tool whose schema is refused as the host describes it, so the agent learns why only by calling", async () => {
    const index = ROWS.findIndex((row) => row.name.startsWith("a lookahead after the start"));
    const listed = (await client.listTools()).tools.find((tool) => tool.name === `schemas.${toolName(index)}`);
    expect(listed?.inputSchema).toMatchObject({ properties: { s: { pattern: "^[a-z]+(?=\\d)\\d$" } } });
  });

  it("keeps the tenant's ledger verifiable after every hostile call", async () => {
    expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body).toMatchObject({ ok: true });
  });
});
