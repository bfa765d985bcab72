import { env } from "cloudflare:test";
import { delay, http, HttpResponse } from "msw";
import { afterAll, beforeAll, beforeEach } from "vitest";

/** How the fake Messages API answers the next requests. */
export type AnthropicBehaviour =
  | { answer: Record<string, unknown>; usage?: { input_tokens: number; output_tokens: number } }
  | { status: 429 | 500 | 529 }
  | { hang_ms: number }
  | { text: string };

/** One request the fake received, as sent. */
export interface AnthropicRequest {
  headers: Record<string, string>;
  body: {
    model: string;
    max_tokens: number;
    system?: string;
    messages: { role: string; content: string }[];
    tools?: { name: string; input_schema: Record<string, unknown> }[];
    tool_choice?: { type: string; name?: string };
  };
}

/**
 * A fake of Anthropic's Messages API (`POST https://api.anthropic.com/v1/messages`) for msw: it records every request
 * and answers with a tool call carrying `answer`, an error status, a hang, or plain text instead of a tool call.
 */
export function anthropicFake(initial: AnthropicBehaviour = { status: 500 }) {
  const requests: AnthropicRequest[] = [];
  let behaviour = initial;
  const handler = http.post("https://api.anthropic.com/v1/messages", async ({ request }) => {
    const body = (await request.json()) as AnthropicRequest["body"];
    requests.push({ headers: Object.fromEntries(request.headers), body });
    const now = behaviour;
    if ("status" in now)
      return HttpResponse.json(
        { type: "error", error: { type: now.status === 429 ? "rate_limit_error" : "api_error", message: "fake" } },
        { status: now.status, headers: now.status === 429 ? { "retry-after": "30" } : {} },
      );
    if ("hang_ms" in now) await delay(now.hang_ms);
    const tool = body.tool_choice?.name ?? "tool";
    const content =
      "answer" in now
        ? [{ type: "tool_use", id: `toolu_${requests.length}`, name: tool, input: now.answer }]
        : [{ type: "text", text: "text" in now ? now.text : "" }];
    return HttpResponse.json({
      id: `msg_${requests.length}`,
      type: "message",
      role: "assistant",
      model: body.model,
      content,
      stop_reason: "answer" in now ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: ("answer" in now && now.usage) || { input_tokens: 1200, output_tokens: 300 },
    });
  });
  return {
    handler,
    requests,
    /** Changes how the following requests are answered. */
    answer(next: AnthropicBehaviour) {
      behaviour = next;
    },
  };
}

/**
 * Gives the Worker under test an Anthropic key and a 300 ms Claude timeout for this test file (taken away after it),
 * and clears `fake`'s request log before each test.
 */
export function useClaudeKey(fake: ReturnType<typeof anthropicFake>): void {
  const worker = env as unknown as Record<string, unknown>;
  beforeAll(() => {
    worker.ANTHROPIC_API_KEY = "sk-ant-test-key";
    worker.CLAUDE_TIMEOUT_MS = "300";
  });
  afterAll(() => {
    delete worker.ANTHROPIC_API_KEY;
    delete worker.CLAUDE_TIMEOUT_MS;
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });
}
