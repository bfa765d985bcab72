/**
 * A real third-party MCP server, @modelcontextprotocol/server-everything, over Streamable HTTP on a local port, read
 * by the upstream host adapter and answered as the gateway answers (plain Node: workerd cannot start a process).
 * scripts/federation-check.mjs runs the same server through the whole Worker under wrangler dev.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostConfig } from "../../src/hosts/host-config";
import { createUpstreamHost, listUpstreamToolsFor } from "../../src/hosts/upstream-mcp";
import { callToolResult } from "../../src/mcp/call-result";
import { outcomeSchema, outputSchemaFor } from "../../src/mcp/output-schema";
import type { Outcome } from "../../src/pipeline/outcome";
import { screenHostResult } from "../../src/pipeline/result-content";

const PORT = 18799;
const policy = { allowPrivate: true };
const config: HostConfig = {
  tenant_id: "t1",
  id: "everything",
  kind: "mcp",
  label: "everything",
  url: `http://127.0.0.1:${PORT}/mcp`,
  auth_secret: null,
  auth_header: "Authorization",
  timeout_ms: 10_000,
  circuit: null,
  created_at: "2026-12-06T00:00:00.000Z",
};
let server: ChildProcess;

beforeAll(async () => {
  const main = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/dist/index.js");
  server = spawn(process.execPath, [main, "streamableHttp"], {
    env: { ...process.env, PORT: String(PORT) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    server.stderr!.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes(`listening on port ${PORT}`)) resolve();
    });
    server.on("exit", (code) => reject(new Error(`server-everything exited (${code}): ${stderr}`)));
  });
}, 30_000);
afterAll(() => {
  server?.kill("SIGTERM");
});

/** The outcome the pipeline would build around `data` (only the fields a client checks matter here). */
const outcomeAround = (name: string, data: unknown, kind: "succeeded" | "denied" = "succeeded"): Outcome => ({
  invocation_id: "inv_1",
  capability_id: name,
  capability_version: "1.0.0",
  correlation: { correlation_id: null, session_id: null, run_id: null },
  outcome: kind,
  status: kind === "succeeded" ? "authorized" : "denied",
  success: kind === "succeeded",
  data: data as Outcome["data"],
  error: null,
  denial: kind === "denied" ? { code: "blocked", message: "Blocked.", retryable: false } : null,
  escalation_id: null,
  decision: {
    decision: kind === "succeeded" ? "authorized" : "denied",
    reason_code: "ok",
    policy_ids: [],
    policy_count: 0,
    snapshot: null,
  },
  evidence_ids: [],
  started_at: "2026-12-06T00:00:00.000Z",
  completed_at: "2026-12-06T00:00:00.000Z",
});

describe("server-everything federated by the upstream host adapter", () => {
  it("lists its tools under the namespace, keeping get-structured-content's output schema", async () => {
    const listed = await listUpstreamToolsFor(config, {}, policy);
    expect(listed.ok).toBe(true);
    const tools = listed.ok ? listed.tools : [];
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["everything.echo", "everything.get-sum", "everything.get-tiny-image"]),
    );
    const weather = tools.find((tool) => tool.name === "everything.get-structured-content")!;
    expect(weather.output_schema).toMatchObject({ properties: { temperature: { type: "number" } } });
  });

  it("answers get-tiny-image with an image content block, not JSON text", async () => {
    const host = createUpstreamHost(config, {}, policy);
    const signal = new AbortController().signal;
    const result = await host.call("get-tiny-image", {}, { tenant_id: "t1", invocation_id: "inv_1", signal });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const screened = screenHostResult([], result.data, result.content);
    const answer = callToolResult({
      outcome: outcomeAround("everything.get-tiny-image", screened.data),
      sentence: "everything.get-tiny-image ran.",
      content: screened.content!,
    });
    expect(answer.content.map((block) => block.type)).toEqual(["text", "text", "image", "text"]);
    expect(answer.content[2]).toMatchObject({
      type: "image",
      mimeType: "image/png",
      data: expect.stringMatching(/^iVBOR/),
    });
  });

  it("gives get-structured-content an outcome that the SDK client's own validator in Node (Ajv) accepts, and a denial too", async () => {
    const listed = await listUpstreamToolsFor(config, {}, policy);
    const weather = (listed.ok ? listed.tools : []).find((tool) => tool.name === "everything.get-structured-content")!;
    const validator = new AjvJsonSchemaValidator();
    const check = validator.getValidator(outputSchemaFor(weather));
    const validate = (value: unknown) => check(value).valid;
    const host = createUpstreamHost(config, {}, policy);
    const signal = new AbortController().signal;
    const result = await host.call(
      "get-structured-content",
      { location: "Chicago" },
      { tenant_id: "t1", invocation_id: "inv_2", signal },
    );
    expect(result.ok && typeof (result.data as { temperature?: unknown }).temperature).toBe("number");
    const data = result.ok ? result.data : null;
    expect(validate(outcomeAround(weather.name, data))).toBe(true);
    expect(validate(outcomeAround(weather.name, null, "denied"))).toBe(true);
    expect(validate(outcomeAround(weather.name, { temperature: "warm" }))).toBe(false);
    expect(validator.getValidator(outcomeSchema({}))(outcomeAround("x", { any: 1 })).valid).toBe(true);
  });
});
