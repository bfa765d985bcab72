import { z } from "zod";
import type { Release } from "../db/releases";
import type { Env } from "../env";
import { redact } from "../redaction";
import { releaseFigures } from "../release/release-figures";
import { askClaude } from "./claude";
import { plainText, quotedData, UNTRUSTED_DATA_RULES } from "./prompt";

/** Claude answers in at most this many tokens. */
export const RELEASE_SUMMARY_MAX_TOKENS = 600;
/** What reaches the page, whatever Claude answered. */
const MAX_SUMMARY = 1_000;

const summarySchema = z.object({
  summary: z
    .string()
    .describe("Two to four plain sentences: what the change does to decisions, what broke, what to check first."),
});

const SYSTEM = `You write the summary at the top of a release page for the managers of a company whose AI agents call tools through Policy OS. A release is a change to the policy rows deciding those calls, checked before it takes effect.
The figures are computed by code and printed on the page beside your text; you cannot change them. Use only numbers that appear in the data, and never invent one.
Say what the change would do to the agents' calls, which golden tasks it breaks if any, and what a manager should check before accepting it.
${UNTRUSTED_DATA_RULES}
Write plain sentences without markdown. Answer only by calling the write_summary tool.`;

/**
 * Claude's wording of a release's figures (computed by src/release/release-figures.ts, redacted, quoted as data), or
 * null when Claude is not configured, fails, times out, answers nothing usable or the tenant's cap is reached: the
 * Releases page is then written with the figures alone.
 */
export async function summarizeRelease(env: Env, release: Release): Promise<string | null> {
  const data = redact({
    release: release.id,
    source: release.source,
    figures: Object.fromEntries(releaseFigures(release).map((figure) => [figure.name, figure.value])),
  }).value;
  const answer = await askClaude(env, {
    tenant_id: release.tenant_id,
    purpose: "release_summary",
    subject: release.id,
    system: SYSTEM,
    prompt: `Summarise this release for the manager who decides whether it goes live.\n\n${quotedData("release", data)}`,
    tool: { name: "write_summary", description: "Writes the release page's summary.", schema: summarySchema },
    max_tokens: RELEASE_SUMMARY_MAX_TOKENS,
  });
  if (!answer.ok) return null;
  return plainText(answer.value.summary, MAX_SUMMARY) || null;
}
