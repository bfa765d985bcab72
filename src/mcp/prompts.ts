/**
 * prompts/list and prompts/get for either protocol era: the upstream hosts' prompts named `<ns>.<prompt>`, listed by
 * the rule in features.ts; resource URIs inside a prompt's messages are federated like a tool's. Every get is
 * recorded in `feature_reads`.
 */
import type { GetPromptResult, ListPromptsResult, Prompt } from "@modelcontextprotocol/sdk/types.js";
import { allPages, federatedContent, type UpstreamConnection } from "../hosts";
import { recordable } from "../pipeline/run";
import {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  MAX_LIST_PAGES,
  mayList,
  type FeatureAnswer,
  type FeatureContext,
} from "./features";

/** The upstream prompts the agent may see, in one page. */
export async function listPrompts(ctx: FeatureContext): Promise<ListPromptsResult> {
  const ids = await ctx.features.upstreams.hostIds();
  const answers = await Promise.all(
    ids.map((ns) =>
      ctx.features.upstreams.ask(ns, async (upstream) =>
        (await allPrompts(upstream))
          .filter((prompt) => mayList(ctx.principal, ns, prompt.name))
          .map((prompt): Prompt => ({ ...prompt, name: `${ns}.${prompt.name}` })),
      ),
    ),
  );
  return { prompts: answers.flatMap((answer) => (answer.ok ? answer.value : [])) };
}

/**
 * Prompt `<ns>.<prompt>` from its host, when the agent would see it listed; otherwise `invalid params` (unknown
 * prompt), whatever the reason. Recorded either way.
 */
export async function getPrompt(
  ctx: FeatureContext,
  name: string,
  args: Record<string, string> | undefined,
): Promise<FeatureAnswer<GetPromptResult>> {
  const answer = await get(ctx, name, args);
  ctx.features.recordRead({
    tenant_id: ctx.principal.tenant.id,
    agent_id: ctx.principal.agent.id,
    method: "prompts/get",
    target: recordable(name),
    host_ref: answer.host_ref,
    outcome: answer.ok ? "read" : answer.error.code === INVALID_PARAMS ? "refused" : "failed",
    reason: answer.ok ? null : recordable(answer.error.message),
    client_id: ctx.client_id === null ? null : recordable(ctx.client_id),
  });
  return answer.ok ? { ok: true, result: answer.result } : { ok: false, error: answer.error };
}

type Got = FeatureAnswer<GetPromptResult> & { host_ref: string | null };

async function get(ctx: FeatureContext, name: string, args: Record<string, string> | undefined): Promise<Got> {
  const unknown = (host_ref: string | null = null): Got => ({
    ok: false,
    error: { code: INVALID_PARAMS, message: `Prompt ${name} not found` },
    host_ref,
  });
  const dot = name.indexOf(".");
  const ns = dot > 0 ? name.slice(0, dot) : "";
  const prompt = name.slice(dot + 1);
  if (!ns || !mayList(ctx.principal, ns, prompt) || !(await ctx.features.upstreams.hostIds()).includes(ns))
    return unknown();
  const asked = await ctx.features.upstreams.ask(ns, async (upstream) => {
    if (!(await allPrompts(upstream)).some((listed) => listed.name === prompt)) return null;
    return upstream.getPrompt(prompt, args);
  });
  if (!asked.ok) return { ok: false, error: { code: INTERNAL_ERROR, message: asked.message }, host_ref: null };
  if (asked.value === null) return unknown(asked.host_ref);
  const messages = asked.value.messages.map((message) => ({
    ...message,
    content: federatedContent(ns, [message.content])[0]!,
  }));
  return { ok: true, result: { ...asked.value, messages }, host_ref: asked.host_ref };
}

function allPrompts(upstream: UpstreamConnection): Promise<Prompt[]> {
  if (!upstream.offers().prompts) return Promise.resolve([]);
  return allPages(async (cursor) => {
    const page = await upstream.listPrompts(cursor);
    return { items: page.prompts, next: page.nextCursor };
  }, MAX_LIST_PAGES);
}
