import { z } from "zod";
import type { DigestFigures } from "../digest/figures";
import type { DigestNarrative } from "../digest/template";
import type { Env } from "../env";
import { redact } from "../redaction";
import { askClaude } from "./claude";
import { plainText, quotedData, UNTRUSTED_DATA_RULES } from "./prompt";

/** Claude answers in at most this many tokens. */
export const NARRATIVE_MAX_TOKENS = 1_200;
/** Bounds on what reaches the page, whatever Claude answered. */
const LIMITS = { paragraphs: 5, characters: 1_200 } as const;

const narrativeSchema = z.object({
  paragraphs: z.array(z.string()).describe("Two to four short paragraphs of plain prose."),
});

const SYSTEM = `You write the narrative of a weekly governance digest for the operations team of a company whose AI agents call tools through Policy OS.
The figures are computed by code and printed on the page beside your text; you cannot change them. Use only numbers that appear in the data, and never invent one.
Point out what changed against the previous week, what needs attention (denials, expired approvals, caps near their limit, what shadow policies would have done), and keep it short.
${UNTRUSTED_DATA_RULES}
Write plain sentences without markdown. Answer only by calling the write_narrative tool.`;

/**
 * The digest's narrator in the Worker (`Narrator`, src/digest/ports.ts): Claude's narrative, written around the
 * figures it is shown (redacted and quoted as data), or null when Claude is not configured, fails, times out,
 * answers nothing usable or the tenant's cap is reached (the digest then writes the template's). Either way the
 * figures are untouched: the page prints them from code.
 */
export async function narrateDigest(env: Env, figures: DigestFigures): Promise<DigestNarrative | null> {
  const answer = await askClaude(env, {
    tenant_id: figures.tenant_id,
    purpose: "digest",
    subject: figures.week_start,
    system: SYSTEM,
    prompt: `Write the narrative for this week's digest.\n\n${quotedData("digest_figures", redact(figures).value)}`,
    tool: { name: "write_narrative", description: "Writes the digest's narrative.", schema: narrativeSchema },
    max_tokens: NARRATIVE_MAX_TOKENS,
    timeout_ms: 60_000,
  });
  if (!answer.ok) return null;
  const paragraphs = answer.value.paragraphs
    .slice(0, LIMITS.paragraphs)
    .map((paragraph) => plainText(paragraph, LIMITS.characters))
    .filter(Boolean);
  return paragraphs.length > 0 ? { paragraphs, written_by: "Claude" } : null;
}
