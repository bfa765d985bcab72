import { CallToolResultSchema, type ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import type { JsonValue } from "../ledger/canonical";
import type { Host, HostCallContext, HostCallResult, ToolDescriptor } from "./host";
import type { HostConfig } from "./host-config";
import { checkUpstreamUrl, type UpstreamAddressPolicy } from "./upstream-address";
import { authHeaders, withoutSecrets } from "./upstream/auth-headers";
import {
  excerpt,
  failureForStatus,
  failureForThrow,
  outcomeUnknown,
  rejected,
  toolFailed,
  type HostFailure,
} from "./upstream/host-failure";
import { federatedContent } from "./upstream/federated-uri";
import { initializeSession } from "./upstream/initialize-session";
import { listUpstreamTools } from "./upstream/list-upstream-tools";
import { discoverModern, isModern, listModernTools } from "./upstream/modern-upstream";
import { postRpc } from "./upstream/post-rpc";
import { boundedText, MAX_ANSWER_BYTES, readRpcResponse, TOO_LARGE } from "./upstream/read-rpc-response";
import { cachedSession, forgetSession, rememberSession } from "./upstream/upstream-session";

/** The `_meta` key that carries the invocation id to upstream servers. */
export const INVOCATION_META_KEY = "policy-os/invocation_id";

/** A stable, secret-free reference to an upstream host for audit rows: `<ns>:<url host>`. */
export function upstreamHostRef(config: HostConfig): string {
  let origin = "invalid-url";
  try {
    origin = new URL(config.url ?? "").host;
  } catch {
    // keep the placeholder: a bad URL must not break the audit record
  }
  return `${config.id}:${origin}`;
}

/**
 * A `Host` for an upstream MCP server over Streamable HTTP, its tools federated as `<ns>.<tool>`.
 * Tool lists go through the SDK client; a call is one POST on the session this isolate negotiated once. A host that
 * refuses the 2025 era is spoken to in 2026-07-28 (src/hosts/upstream/modern-upstream.ts).
 * A stored URL the address policy refuses is never contacted (it may predate the policy or come from elsewhere).
 */
export function createUpstreamHost(
  config: HostConfig,
  secrets: Record<string, unknown>,
  policy: UpstreamAddressPolicy,
): Host {
  const host_ref = upstreamHostRef(config);
  return {
    id: config.id,
    kind: "mcp",
    label: config.label,
    timeout_ms: config.timeout_ms,
    ...(config.circuit ? { circuit: config.circuit } : {}),
    /** Rejects when the upstream cannot list its tools (the registry uses `listUpstreamToolsFor`, a value). */
    async listTools(): Promise<ToolDescriptor[]> {
      const listed = await listUpstreamToolsFor(config, secrets, policy);
      if (!listed.ok) throw new Error(listed.message);
      return listed.tools;
    },
    async call(tool, args, ctx): Promise<HostCallResult> {
      const address = checkUpstreamUrl(config.url ?? "", policy);
      if (!address.ok)
        return { ok: false, error: rejected(`the URL of host ${config.id} ${address.reason}`), host_ref };
      const result = await callUpstreamTool(config, secrets, tool, args, ctx);
      return "error" in result ? { ok: false, error: result.error, host_ref } : { ...result, host_ref };
    },
  };
}

/** List an upstream's tools as a value (the registry's refresh path), remembering the session it opened. */
export async function listUpstreamToolsFor(
  config: HostConfig,
  secrets: Record<string, unknown>,
  policy: UpstreamAddressPolicy,
): Promise<{ ok: true; tools: ToolDescriptor[] } | { ok: false; message: string }> {
  const address = checkUpstreamUrl(config.url ?? "", policy);
  if (!address.ok) return { ok: false, message: `the URL of host ${config.id} ${address.reason}` };
  const auth = authHeaders(config, secrets);
  if (!auth.ok) return { ok: false, message: auth.message };
  const listed = await listInEra(config, auth.headers);
  if (!listed.ok) return { ok: false, message: withoutSecrets(listed.message, auth.headers) };
  if (listed.session && !cachedSession(config)) rememberSession(config, listed.session);
  return { ok: true, tools: listed.tools };
}

/**
 * Lists in the era this isolate knows the host speaks; else in the 2025 era, then, when the host answered and
 * refused that, in 2026-07-28 (a host built on the 2.x SDK that serves that revision only).
 */
async function listInEra(config: HostConfig, auth: Record<string, string>) {
  if (isModern(cachedSession(config))) return listModernTools(config, auth);
  const legacy = await listUpstreamTools(config, auth);
  if (legacy.ok || !legacy.refused) return legacy;
  const modern = await listModernTools(config, auth);
  return modern.ok ? modern : legacy;
}

/**
 * Opens a session with a host: `initialize` (the 2025 era); when the host refuses it, `server/discover` through the
 * 2.x SDK client (2026-07-28, no session id). The first refusal is the one reported when neither works.
 */
async function openSession(config: HostConfig, auth: Record<string, string>, signal: AbortSignal) {
  const legacy = await initializeSession(config, auth, signal);
  if (legacy.ok || legacy.error.code !== "host_rejected") return legacy;
  const modern = await discoverModern(config, auth, signal);
  return modern.ok ? modern : legacy;
}

/** What an upstream tool answered: its structured content (else its content as data) and its content blocks. */
type UpstreamAnswer = { ok: true; data: JsonValue; content: ContentBlock[] };

async function callUpstreamTool(
  config: HostConfig,
  secrets: Record<string, unknown>,
  tool: string,
  args: Record<string, unknown>,
  ctx: HostCallContext,
): Promise<UpstreamAnswer | { error: HostFailure }> {
  const auth = authHeaders(config, secrets);
  if (!auth.ok) return { error: rejected(auth.message) };
  const message = {
    jsonrpc: "2.0",
    id: ctx.invocation_id,
    method: "tools/call",
    params: { name: tool, arguments: args, _meta: { [INVOCATION_META_KEY]: ctx.invocation_id } },
  };
  const answer = await sendCall(config, auth.headers, message, ctx);
  return "error" in answer
    ? { error: { ...answer.error, message: withoutSecrets(answer.error.message, auth.headers) } }
    : answer;
}

async function sendCall(
  config: HostConfig,
  auth: Record<string, string>,
  message: { id: string },
  ctx: HostCallContext,
): Promise<UpstreamAnswer | { error: HostFailure }> {
  const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(config.timeout_ms)]);
  // Whether the call itself may have reached the host: from then on a missing answer leaves its outcome unknown.
  const progress = { sent: false };
  try {
    for (let attempt = 0; ; attempt++) {
      progress.sent = false;
      let session = cachedSession(config);
      const reused = session !== undefined;
      if (!session) {
        const opened = await openSession(config, auth, deadline);
        if (!opened.ok) return { error: opened.error };
        session = opened.session;
        rememberSession(config, session);
      }
      const headers = { auth, session, invocation_id: ctx.invocation_id };
      progress.sent = true;
      const response = await postRpc(config, message, headers, deadline);
      // 404 on a session means the server forgot it before running anything: open a new one and send once more.
      if (response.status === 404 && session.session_id !== null) {
        await response.body?.cancel();
        forgetSession(config);
        if (attempt === 0 && reused) continue;
        return { error: rejected(`host ${config.id} does not recognise the session it issued`) };
      }
      return await readCallAnswer(config, response, ctx.invocation_id, deadline);
    }
  } catch {
    return { error: failureForThrow(config.id, config.timeout_ms, ctx.signal, deadline, progress.sent) };
  }
}

async function readCallAnswer(
  config: HostConfig,
  response: Response,
  invocation_id: string,
  deadline: AbortSignal,
): Promise<UpstreamAnswer | { error: HostFailure }> {
  if (!response.ok) {
    const detail = await rpcErrorMessage(response, deadline);
    const failure = failureForStatus(response.status, config.id, true);
    return {
      error:
        detail && failure.code === "host_rejected" ? { ...failure, message: `${failure.message}: ${detail}` } : failure,
    };
  }
  const answer = await readRpcResponse(response, invocation_id, deadline);
  if (answer === TOO_LARGE) return { error: tooLarge(config.id) };
  if (!answer) return { error: outcomeUnknown(`host ${config.id} ended its answer without a result`, config.id) };
  if (answer.error) {
    const code = typeof answer.error.code === "number" ? ` (JSON-RPC ${answer.error.code})` : "";
    return { error: rejected(`host ${config.id} rejected the call: ${excerpt(String(answer.error.message))}${code}`) };
  }
  const result = CallToolResultSchema.safeParse(answer.result);
  if (!result.success) return { error: toolFailed(`host ${config.id} returned a malformed tool result`) };
  if (result.data.isError) {
    const text = result.data.content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join(" ");
    return { error: toolFailed(excerpt(text) || `the tool on host ${config.id} failed without a message`) };
  }
  // Resource URIs are federated under the host's namespace, so an agent can read what a result links to.
  const content = federatedContent(config.id, result.data.content);
  const data = result.data.structuredContent ?? { content };
  return { ok: true, data: data as JsonValue, content };
}

async function rpcErrorMessage(response: Response, deadline: AbortSignal): Promise<string | null> {
  const text = await boundedText(response, deadline).catch(() => TOO_LARGE);
  let body: { error?: { message?: unknown } } | null = null;
  try {
    body = text === TOO_LARGE ? null : JSON.parse(text);
  } catch {
    // not JSON: the status alone says what happened
  }
  return typeof body?.error?.message === "string" ? excerpt(body.error.message, 200) : null;
}

/** The host ran the call but answered more than can be read: the same code as a result too large to return. */
function tooLarge(host_id: string): HostFailure {
  const message = `host ${host_id} ran the call, but its answer is larger than ${MAX_ANSWER_BYTES} bytes, so it was not read`;
  return { code: "result_unusable", message, retryable: false };
}
