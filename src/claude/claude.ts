import Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import { claudeSpendSince, recordClaudeCall } from "../db/claude-calls";
import type { Env } from "../env";
import { newId } from "../ids";
import { costMicroUsd, DEFAULT_MODEL, priceOf } from "./prices";

/** What Policy OS asks Claude for (a `claude_calls.purpose`). */
export type ClaudePurpose = "escalation_summary" | "digest" | "moderation" | "incident_summary" | "release_summary";

/** Why Claude gave no usable answer; the caller falls back to its template (or, for moderation, fails closed). */
export type ClaudeFailure = "no_key" | "capped" | "timeout" | "rate_limited" | "error" | "invalid_output";

/** One request: Claude answers by calling `tool` once, with input that `schema` must accept. */
export interface ClaudeRequest<T> {
  tenant_id: string;
  purpose: ClaudePurpose;
  /** What the call is about (an escalation id, a week, an invocation id), for the audit row. */
  subject: string;
  system: string;
  /** The user turn: instructions plus the data, already redacted and quoted. */
  prompt: string;
  tool: { name: string; description: string; schema: z.ZodType<T> };
  max_tokens: number;
  /** Give up after this long (default 20 s; `CLAUDE_TIMEOUT_MS` overrides it for every call). */
  timeout_ms?: number;
}

export type ClaudeAnswer<T> = { ok: true; value: T; model: string } | { ok: false; failure: ClaudeFailure };

/** Whether this Worker has an Anthropic key: without one every page is written from templates. */
export const claudeConfigured = (env: Env): boolean =>
  typeof env.ANTHROPIC_API_KEY === "string" && env.ANTHROPIC_API_KEY.length > 0;

/** The model asked: `CLAUDE_MODEL`, else {@link DEFAULT_MODEL}. */
export const claudeModel = (env: Env): string => env.CLAUDE_MODEL || DEFAULT_MODEL;

/**
 * Asks Claude once, within the tenant's monthly cap, and records the call (tokens, cost, outcome; never the prompt
 * or the answer) in `claude_calls`. Never throws for Anthropic's faults or a malformed answer: those come back as
 * a failure, and the caller writes its template instead. No retries here: the callers' passes retry later.
 */
export async function askClaude<T>(env: Env, request: ClaudeRequest<T>): Promise<ClaudeAnswer<T>> {
  if (!claudeConfigured(env)) return { ok: false, failure: "no_key" };
  const model = claudeModel(env);
  const started = Date.now();
  const record = (outcome: ClaudeFailure | "ok", usage = { input_tokens: 0, output_tokens: 0 }, error?: string) =>
    recordClaudeCall(env.DB, {
      id: newId("cc"),
      tenant_id: request.tenant_id,
      purpose: request.purpose,
      subject: request.subject,
      model,
      outcome,
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cost_microusd: costMicroUsd(priceOf(model, env.CLAUDE_PRICE_PER_MTOK), usage),
      latency_ms: Date.now() - started,
      error: error ?? null,
      created_at: new Date(started).toISOString(),
    });

  const spend = await claudeSpend(env.DB, request.tenant_id, new Date(started));
  if (spend.spent_microusd >= spend.cap_microusd) {
    await record("capped");
    return { ok: false, failure: "capped" };
  }

  const client = new Anthropic({
    apiKey: String(env.ANTHROPIC_API_KEY),
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 0,
    timeout: Number(env.CLAUDE_TIMEOUT_MS) || request.timeout_ms || 20_000,
  });
  let message: Anthropic.Message;
  try {
    message = await client.messages.create({
      model,
      max_tokens: request.max_tokens,
      system: request.system,
      messages: [{ role: "user", content: request.prompt }],
      tools: [{ name: request.tool.name, description: request.tool.description, input_schema: inputSchema(request) }],
      tool_choice: { type: "tool", name: request.tool.name },
    });
  } catch (error) {
    const failure: ClaudeFailure =
      error instanceof Anthropic.APIConnectionTimeoutError
        ? "timeout"
        : error instanceof Anthropic.RateLimitError
          ? "rate_limited"
          : "error";
    await record(failure, undefined, describe(error));
    return { ok: false, failure };
  }
  // The SDK types the body but does not check it: a 200 that is not a message must not throw past this point.
  const shaped = messageShape.safeParse(message);
  if (!shaped.success) {
    await record("invalid_output", undefined, "the answer was not a Messages API message");
    return { ok: false, failure: "invalid_output" };
  }
  const usage = { input_tokens: message.usage.input_tokens, output_tokens: message.usage.output_tokens };
  const call = message.content.find((block) => block.type === "tool_use" && block.name === request.tool.name);
  const parsed = call?.type === "tool_use" ? request.tool.schema.safeParse(call.input) : undefined;
  if (!parsed?.success) {
    const why =
      message.stop_reason === "max_tokens" ? "the answer ran past max_tokens" : "the answer did not fit the schema";
    await record("invalid_output", usage, why);
    return { ok: false, failure: "invalid_output" };
  }
  await record("ok", usage);
  return { ok: true, value: parsed.data, model };
}

/** The parts of a Messages API answer read here, checked before they are read. */
const messageShape = z.object({
  content: z.array(z.object({ type: z.string() })),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
});

/** A tenant's Claude spend this calendar month (UTC) and its cap, in millionths of a dollar. */
export async function claudeSpend(db: D1Database, tenant_id: string, now: Date) {
  const month = `${now.toISOString().slice(0, 7)}-01T00:00:00.000Z`;
  const row = await claudeSpendSince(db, tenant_id, month);
  return { spent_microusd: row?.spent ?? 0, cap_microusd: (row?.cap_cents ?? 0) * 10_000 };
}

function inputSchema<T>(request: ClaudeRequest<T>): Anthropic.Tool.InputSchema {
  const { $schema: _, ...schema } = z.toJSONSchema(request.tool.schema) as Record<string, unknown>;
  return { ...schema, type: "object" };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 300);
}
