import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, auditRows, newTenant, rawMcp } from "../support/worker";

const URL_ = "https://values.upstream.test/mcp";
const results = new Map<string, string>();
const msw = setupServer(
  http.get(URL_, () => new HttpResponse(null, { status: 405 })),
  http.post(URL_, async ({ request }) => {
    const message = (await request.json()) as any;
    if (message.id === undefined) return new HttpResponse(null, { status: 202 });
    const answer = (result: unknown) => HttpResponse.json({ jsonrpc: "2.0", id: message.id, result });
    if (message.method === "initialize")
      return answer({ protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "values", version: "1.0.0" } });
    if (message.method === "tools/list")
      return answer({ tools: [{ name: "echo", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } }, { name: "answer", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } }] });
    if (message.params.name === "echo") return answer({ content: [], structuredContent: { echoed: message.params.arguments } });
    const raw = results.get(message.params.arguments.kind)!;
    return new HttpResponse(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${raw}}`, { headers: { "content-type": "application/json" } });
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterAll(() => msw.close());

results.set("inf", '{"content":[],"structuredContent":{"x":1e309}}');
results.set("deep", `{"content":[],"structuredContent":{"x":${"[".repeat(5000)}${"]".repeat(5000)}}}`);
results.set("huge", `{"content":[],"structuredContent":{"x":"${"a".repeat(5_000_000)}"}}`);

async function tenant() {
  const t = await newTenant({ rows: [] });
  const r = await admin("POST", `/hosts?tenant=${t.tenant}`, { id: "values", url: URL_ });
  expect(r.status).toBe(201);
  return t;
}

const raw = (name: string, args: string) =>
  `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"${name}","arguments":${args}}}`;

describe("explore", () => {
  it.for([
    ["values.echo", '{"x":1e309}'],
    ["values.echo", '{"x":[-1e309]}'],
    ["values.echo", '{"x":-0}'],
    ["values.echo", '{"x":12345678901234567890}'],
    ["values.echo", `{"x":${"[".repeat(10000)}${"]".repeat(10000)}}`],
    ["values.echo", `{"x":${'{"a":'.repeat(10000)}1${"}".repeat(10000)}}`],
    ["values.echo", '{"x":"\\ud800"}'],
    ["values.answer", '{"kind":"inf"}'],
    ["values.answer", '{"kind":"deep"}'],
    ["values.answer", '{"kind":"huge"}'],
  ])("%s %s", async ([name, args]) => {
    const t = await tenant();
    const res = await rawMcp(raw(name!, args!.slice(0, 100000)), { authorization: `Bearer ${t.key}` });
    const text = await res.text();
    console.log(name, args!.slice(0, 30), res.status, text.length, text.slice(0, 300).replace(/\[{50,}/g,'[[..'));
    console.log((await admin("GET", `/ledger?tenant=${t.tenant}`)).body.entries?.map((e: any) => e.kind));
    console.log(JSON.stringify((await admin("GET", `/ledger/verify?tenant=${t.tenant}`)).body));
    console.log((await auditRows(t.tenant, 1)).length);
  });
});
