import type { GateRequest, GateResponse } from "./gate.do";

/** The gate's RPC surface that a fetch needs. */
export interface NotionGate {
  send(request: GateRequest): Promise<GateResponse>;
}

/** Raised to the Notion client when the gate gave up on a request (deadline or network), never a silent empty answer. */
export class NotionGateError extends Error {
  constructor(
    readonly reason: "deadline_exceeded" | "network_error",
    message: string,
  ) {
    super(message);
    this.name = "NotionGateError";
  }
}

/**
 * A `fetch` for `@notionhq/client` that sends every request through the integration's gate.
 *
 * @example new Client({ auth: env.NOTION_TOKEN, fetch: gatedFetch(gate), retry: false })
 */
export function gatedFetch(
  gate: NotionGate,
  options: { deadline_ms?: number; per_second?: number } = {},
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const answer = await gate.send({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: request.method === "GET" || request.method === "HEAD" ? null : await request.text(),
      deadline_ms: options.deadline_ms,
      per_second: options.per_second,
    });
    if (!answer.ok) throw new NotionGateError(answer.reason, answer.message);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
