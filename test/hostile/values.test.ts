/**
 * Hostile values end to end: arguments and upstream results that are too deep, too large, or not JSON a hash can
 * cover. Each must end in a structured outcome (`invalid` or `failed` with a code), never a JSON-RPC error, with the
 * call's decision and outcome entries on a ledger that still verifies, and its audit row.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../src/pipeline/outcome";
import { admin, auditRows, call, connect, newTenant, rawMcp } from "../support/worker";

const UPSTREAM = "https://values.upstream.test/mcp";

/** Raw JSON text of the `result` the fake upstream answers `values.answer` with, by `arguments.kind`. */
const RESULTS: Record<string, string> = {};
const structured = (json: string) => `{"content":[],"structuredContent":${json}}`;
const arrays = (depth: number, leaf = "1") => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;
const objects = (depth: number, leaf = "1") => `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;

/**
 * An upstream MCP host answering raw JSON-RPC: `values.echo` returns its arguments, `values.answer` returns the raw
 * result text named by `arguments.kind`, so results can hold what no SDK would build (1e309, 5,000 levels).
 */
const upstream = setupServer(
  http.get(UPSTREAM, () => new HttpResponse(null, { status: 405 })),
  http.post(UPSTREAM, async ({ request }) => {
    const message = (await request.json()) as { id?: string | number; method: string; params: any };
    if (message.id === undefined) return new HttpResponse(null, { status: 202 });
    const answer = (result: string) =>
      new HttpResponse(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${result}}`, {
        headers: { "content-type": "application/json" },
      });
    const open = { type: "object" };
    const readOnly = { readOnlyHint: true };
    switch (message.method) {
      case "initialize":
        return answer(
          JSON.stringify({
            protocolVersion: message.params.protocolVersion,
            capabilities: { tools: {} },
            serverInfo: { name: "values", version: "1.0.0" },
          }),
        );
      case "tools/list":
        return answer(
          JSON.stringify({
            tools: [
              { name: "echo", inputSchema: open, annotations: readOnly },
              { name: "answer", inputSchema: open, annotations: readOnly },
            ],
          }),
        );
      default:
        return message.params.name === "echo"
          ? answer(structured(JSON.stringify({ echoed: message.params.arguments })))
          : answer(RESULTS[message.params.arguments.kind]!);
    }
  }),
);

let tenant = "";
let key = "";
let client: Client;

beforeAll(async () => {
  upstream.listen({ onUnhandledRequest: "error" });
  ({ tenant, key } = await newTenant({ rows: [] }));
  const registered = await admin("POST", `/hosts?tenant=${tenant}`, { id: "values", url: UPSTREAM });
  expect(registered.status).toBe(201);
  client = await connect(key);
});
afterAll(() => upstream.close());

/** Sends a tools/call as raw JSON text (what no SDK client would serialize) and returns its outcome. */
async function rawCall(name: string, args: string, meta = "{}"): Promise<Outcome> {
  const res = await rawMcp(
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${args},"_meta":${meta}}}`,
    { authorization: `Bearer ${key}` },
  );
  const body = (await res.json()) as { result?: { structuredContent: Outcome; isError: boolean }; error?: unknown };
  expect(body.error).toBeUndefined();
  expect(body.result!.isError).toBe(body.result!.structuredContent.outcome !== "succeeded");
  return body.result!.structuredContent;
}

/** What must hold for every hostile call: two ledger entries, a chain that verifies, and the audit row. */
async function expectRecorded(outcome: Outcome) {
  const { entries } = (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body as { entries: any[] };
  const own = entries.filter((entry) => entry.invocation_id === outcome.invocation_id);
  expect(own.map((entry) => entry.kind)).toEqual(["decision", "outcome"]);
  expect(own[1].body).toMatchObject({ outcome: outcome.outcome, error_code: outcome.error?.code ?? null });
  expect(outcome.evidence_ids).toEqual(own.map((entry) => entry.id));
  expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body).toMatchObject({ ok: true, first_bad_seq: null });
  let row: any;
  for (let attempt = 0; !row && attempt < 100; attempt++) {
    row = (await auditRows(tenant, 1)).find((r) => r.invocation_id === outcome.invocation_id);
    if (!row) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(row).toMatchObject({ outcome: outcome.outcome, error_code: outcome.error?.code ?? null });
}

interface ArgumentCase {
  name: string;
  /** Raw JSON text of the arguments, or an object the real MCP client sends. */
  args: string | Record<string, unknown>;
  /** The problem named in the answer, or null when the call must succeed. */
  refused: { message: RegExp; path: string | RegExp } | null;
}

const argumentCases: ArgumentCase[] = [
  {
    name: "1e309 at the top ends invalid",
    args: '{"x":1e309}',
    refused: { message: /too large for JSON/, path: "/x" },
  },
  {
    name: "-1e309 at the top ends invalid",
    args: '{"x":-1e309}',
    refused: { message: /too large for JSON/, path: "/x" },
  },
  {
    name: "1e309 deep in a list ends invalid, naming where",
    args: '{"items":[1,2,[3,1e309]]}',
    refused: { message: /too large for JSON/, path: "/items/2/1" },
  },
  {
    name: "-1e309 deep in an object ends invalid, naming where",
    args: '{"a":{"b":{"c":-1e309}}}',
    refused: { message: /too large for JSON/, path: "/a/b/c" },
  },
  {
    name: "an integer past 2^53 ends invalid rather than arriving rounded",
    args: '{"amount":12345678901234567890}',
    refused: { message: /cannot arrive exactly/, path: "/amount" },
  },
  {
    name: "a negative integer past 2^53 ends invalid",
    args: '{"amount":-9007199254740993}',
    refused: { message: /cannot arrive exactly/, path: "/amount" },
  },
  {
    name: "a whole number written 1e20 ends invalid",
    args: '{"amount":1e20}',
    refused: { message: /cannot arrive exactly/, path: "/amount" },
  },
  { name: "the largest exact integer runs", args: '{"amount":9007199254740991}', refused: null },
  { name: "-0 runs and hashes as 0", args: '{"x":-0,"y":[-0.0]}', refused: null },
  {
    name: "arrays nested 10,000 deep, sent by the real MCP client, end invalid",
    args: { x: JSON.parse(arrays(10_000)) },
    refused: { message: /deeper than 32/, path: /^\/x(\/0){31}$/ },
  },
  {
    name: "objects nested 10,000 deep, sent by the real MCP client, end invalid",
    args: { x: JSON.parse(objects(10_000)) },
    refused: { message: /deeper than 32/, path: /^\/x(\/a){31}$/ },
  },
  {
    name: "arrays nested 100,000 deep in raw JSON end invalid",
    args: `{"x":${arrays(100_000)}}`,
    refused: { message: /deeper than 32/, path: /^\/x(\/0){31}$/ },
  },
  {
    name: "33 levels of nesting end invalid",
    args: objects(32, "{}"),
    refused: { message: /deeper than 32/, path: /^(\/a){32}$/ },
  },
  { name: "32 levels of nesting run", args: objects(31, "{}"), refused: null },
  {
    name: "a __proto__ key at the top ends invalid",
    args: '{"__proto__":{"admin":true}}',
    refused: { message: /"__proto__" is not allowed/, path: "/__proto__" },
  },
  {
    name: "a constructor key deep down ends invalid",
    args: '{"a":[{"constructor":{"prototype":{"admin":true}}}]}',
    refused: { message: /"constructor" is not allowed/, path: "/a/0/constructor" },
  },
  {
    name: "a lone surrogate in a value ends invalid",
    args: '{"note":"half \\ud83d of a pair"}',
    refused: { message: /not well-formed Unicode/, path: "/note" },
  },
  {
    name: "a lone low surrogate in a key ends invalid",
    args: '{"\\udc00":1}',
    refused: { message: /key is not well-formed Unicode/, path: "/\udc00" },
  },
  { name: "a well-formed surrogate pair runs", args: '{"note":"\\ud83d\\ude00 fine"}', refused: null },
  {
    name: "an object of 20,000 keys runs, checked without recursion",
    args: `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`,
    refused: null,
  },
  { name: "a string of 900,000 characters runs", args: `{"text":"${"x".repeat(900_000)}"}`, refused: null },
];

describe("hostile arguments end invalid with both ledger entries, or run exactly as sent", () => {
  it.for(argumentCases)("$name", async ({ args, refused }) => {
    const outcome =
      typeof args === "string" ? await rawCall("values.echo", args) : (await call(client, "values.echo", args)).outcome;
    if (refused) {
      expect(outcome).toMatchObject({ outcome: "invalid", status: "invalid", error: { code: "invalid_arguments" } });
      expect(outcome.error!.message).toMatch(refused.message);
      const { path } = (outcome.error!.details!.errors as { path: string }[])[0]!;
      if (typeof refused.path === "string") expect(path).toBe(refused.path);
      else expect(path).toMatch(refused.path);
    } else {
      expect(outcome.outcome).toBe("succeeded");
      // As JSON text: -0 arrives as 0, which is what its hash covers.
      expect(JSON.stringify(outcome.data)).toBe(JSON.stringify({ echoed: JSON.parse(args as string) }));
    }
    await expectRecorded(outcome);
  });
});

interface ResultCase {
  name: string;
  result: string;
  /** The problem reason in `error.details`, or null when the result must come back. */
  /** Why the result is unusable (`error.details.reason` when the pipeline found it), or null when it comes back. */
  unusable: string | null;
}

/** What the agent is told when the host's answer is too large to be read at all. */
const UNREAD = "unread";

const resultCases: ResultCase[] = [
  {
    name: "1e309 in structuredContent ends failed result_unusable",
    result: structured('{"x":1e309}'),
    unusable: "not_finite",
  },
  {
    name: "-1e309 deep in structuredContent ends failed result_unusable",
    result: structured('{"rows":[{"n":1},{"n":-1e309}]}'),
    unusable: "not_finite",
  },
  {
    name: "a result 5,000 levels deep ends failed result_unusable",
    result: structured(`{"x":${arrays(5_000)}}`),
    unusable: "too_deep",
  },
  {
    name: "a result 50,000 objects deep ends failed result_unusable",
    result: structured(objects(50_000)),
    unusable: "too_deep",
  },
  {
    name: "a result 65 levels deep ends failed result_unusable",
    result: structured(objects(64, "{}")),
    unusable: "too_deep",
  },
  { name: "a result 64 levels deep comes back", result: structured(objects(63, "{}")), unusable: null },
  {
    name: "a result of 3 MB ends failed result_unusable",
    result: structured(`{"blob":"${"a".repeat(3_000_000)}"}`),
    unusable: "too_large",
  },
  {
    name: "an answer of 20 MB is not read past 4 MB and ends failed result_unusable",
    result: structured(`{"blob":"${"a".repeat(20_000_000)}"}`),
    unusable: UNREAD,
  },
  {
    name: "a result of 200,000 small members ends failed result_unusable",
    result: structured(`{"rows":[${Array.from({ length: 200_000 }, () => '"abcdef"').join(",")}]}`),
    unusable: "too_large",
  },
  {
    name: "a result with __proto__ and constructor keys comes back as data and pollutes nothing",
    result: structured('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    unusable: null,
  },
  {
    name: "a result with a lone surrogate comes back and still verifies",
    result: structured('{"s":"\\ud800"}'),
    unusable: null,
  },
  {
    name: "a result with -0 and integers past 2^53 comes back and still verifies",
    result: structured('{"z":-0,"big":123456789012345678901234567890}'),
    unusable: null,
  },
];

describe("hostile upstream results end failed result_unusable with both ledger entries, or come back", () => {
  it.for(resultCases)("$name", async ({ result, unusable }, { task }) => {
    const kind = task.name;
    RESULTS[kind] = result;
    const { outcome, isError } = await call(client, "values.answer", { kind });
    if (unusable) {
      expect(isError).toBe(true);
      expect(outcome).toMatchObject({
        outcome: "failed",
        status: "failed",
        data: null,
        error: { code: "result_unusable", retryable: false },
        decision: { decision: "authorized" },
      });
      if (unusable === UNREAD) expect(outcome.error!.message).toMatch(/larger than 4000000 bytes, so it was not read/);
      else {
        expect(outcome.error!.details).toMatchObject({ reason: unusable });
        expect(outcome.error!.message).toMatch(/^values\.answer ran, but its result cannot be returned: /);
      }
    } else {
      expect(outcome.outcome).toBe("succeeded");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    await expectRecorded(outcome);
  });
});

interface AroundCase {
  name: string;
  tool: string;
  meta: string;
  outcome: Outcome["outcome"];
  code: string | null;
}

const aroundCases: AroundCase[] = [
  {
    name: "a correlation id holding a lone surrogate is recorded and the ledger still verifies",
    tool: "values.echo",
    meta: '{"correlation_id":"run \\ud800 7"}',
    outcome: "succeeded",
    code: null,
  },
  {
    name: "a _meta nested 10,000 deep is read for its ids only, and the call runs",
    tool: "values.echo",
    meta: `{"correlation_id":"r1","extra":${arrays(10_000)}}`,
    outcome: "succeeded",
    code: null,
  },
  {
    name: "1e309 in _meta is ignored, and the call runs",
    tool: "values.echo",
    meta: '{"session_id":1e309,"correlation_id":"r2"}',
    outcome: "succeeded",
    code: null,
  },
  {
    name: "a tool name holding a lone surrogate ends invalid unknown_tool",
    tool: "values.\ud800echo",
    meta: "{}",
    outcome: "invalid",
    code: "unknown_tool",
  },
];

describe("hostile values around the arguments end structured with both ledger entries", () => {
  it.for(aroundCases)("$name", async ({ tool, meta, outcome: expected, code }) => {
    const outcome = await rawCall(tool, '{"x":1}', meta);
    expect(outcome.outcome).toBe(expected);
    expect(outcome.error?.code ?? null).toBe(code);
    await expectRecorded(outcome);
  });
});
