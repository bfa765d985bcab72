/**
 * Result guards over everything a host returned: its data and, for an upstream MCP tool, its content blocks. Text
 * cannot slip past the guards inside a block: every string of every block is read (text, resource links, embedded
 * resources, annotations, `_meta`), and a base64 payload (an image's or audio's `data`, a resource's `blob`) that
 * decodes to UTF-8 text is read as that text, and re-encoded when a guard redacts it. Only payloads that are not text
 * (a PNG, a WAV) are left out of the reading, so a term cannot match by chance inside their base64.
 */
import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import { screenResult, type GuardHit, type GuardStop } from "../guards/screen";
import type { CompiledPolicy } from "../policy";

/** What the result guards let through: the data and content as the agent receives them, or the guard that withholds. */
export interface ScreenedResult {
  data: unknown;
  content?: ContentBlock[];
  withheld: GuardStop | null;
  hits: GuardHit[];
  alerts: string[];
}

/**
 * Applies the result guards among `guards` to a host's `data` and `content`. When `data` is the content itself
 * (`{ content }`, an upstream tool without structured content) it is read once and rebuilt from the screened blocks.
 */
export function screenHostResult(
  guards: readonly CompiledPolicy[],
  data: unknown,
  content?: readonly ContentBlock[],
): ScreenedResult {
  if (!content) return screenResult(guards, data);
  const view = textualView(content);
  const onContent = screenResult(guards, { content: view.blocks });
  const blocks = view.restore((onContent.data as { content: unknown[] }).content);
  if (isContentItself(data, content)) return { ...onContent, data: { content: blocks }, content: blocks };
  const onData = screenResult(guards, data);
  return {
    data: onData.data,
    content: blocks,
    withheld: onData.withheld ?? onContent.withheld,
    hits: mergedHits([...onData.hits, ...onContent.hits]),
    alerts: [...new Set([...onData.alerts, ...onContent.alerts])],
  };
}

function isContentItself(data: unknown, content: readonly ContentBlock[]): boolean {
  return typeof data === "object" && data !== null && (data as { content?: unknown }).content === content;
}

/** One hit per policy, its findings in data and in content together. */
function mergedHits(hits: GuardHit[]): GuardHit[] {
  const byPolicy = new Map<string, GuardHit>();
  for (const hit of hits) {
    const seen = byPolicy.get(hit.policy_id);
    byPolicy.set(hit.policy_id, seen ? { ...seen, found: [...seen.found, ...hit.found] } : hit);
  }
  return [...byPolicy.values()];
}

/** Where a block keeps a base64 payload. */
type PayloadAt = "data" | "blob";

/** How one block's payload was shown to the guards: as decoded text, or left out (kept aside unchanged). */
type Shown =
  { as: "text"; at: PayloadAt; base64: string; text: string } | { as: "binary"; at: PayloadAt; base64: string } | null;

/** The blocks as the guards read them, and how to put the screened view back into blocks. */
function textualView(content: readonly ContentBlock[]): {
  blocks: unknown[];
  restore(screened: unknown[]): ContentBlock[];
} {
  const shown: Shown[] = [];
  const blocks = content.map((block, i) => {
    const payload = payloadOf(block);
    if (!payload) {
      shown[i] = null;
      return block;
    }
    const text = utf8Text(payload.base64);
    shown[i] = text === null ? { as: "binary", ...payload } : { as: "text", ...payload, text };
    return withPayload(block, payload.at, text ?? undefined);
  });
  return {
    blocks,
    restore: (screened) =>
      screened.map((block, i) => {
        const how = shown[i];
        if (!how) return block as ContentBlock;
        const now = readPayload(block as ContentBlock, how.at);
        const base64 = how.as === "text" && now !== how.text ? utf8Base64(now ?? "") : how.base64;
        return withPayload(block as ContentBlock, how.at, base64);
      }),
  };
}

function payloadOf(block: ContentBlock): { at: PayloadAt; base64: string } | null {
  if ((block.type === "image" || block.type === "audio") && typeof block.data === "string")
    return { at: "data", base64: block.data };
  if (block.type === "resource" && "blob" in block.resource && typeof block.resource.blob === "string")
    return { at: "blob", base64: block.resource.blob };
  return null;
}

function readPayload(block: ContentBlock, at: PayloadAt): string | undefined {
  const holder = (at === "blob" ? (block as { resource?: unknown }).resource : block) as Record<string, unknown>;
  const value = holder?.[at];
  return typeof value === "string" ? value : undefined;
}

/** `block` with its payload set to `value` (left out when undefined). */
function withPayload(block: ContentBlock, at: PayloadAt, value: string | undefined): ContentBlock {
  const set = (holder: Record<string, unknown>) => {
    const { [at]: _old, ...rest } = holder;
    return value === undefined ? rest : { ...rest, [at]: value };
  };
  if (at === "blob") {
    const { resource } = block as { resource: Record<string, unknown> };
    return { ...block, resource: set(resource) } as ContentBlock;
  }
  return set(block as Record<string, unknown>) as ContentBlock;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The text a base64 payload holds, or null when it holds bytes that are not UTF-8 text. A payload that is not base64
 * at all is read as it is: whatever it holds is read by the guards.
 */
function utf8Text(base64: string): string | null {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return base64;
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  try {
    // Any valid UTF-8 is read as text, control bytes and all: judging "looks binary" would let text hide.
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
