import { z } from "zod";
import type { Incident } from "../incidents/types";
import type { Env } from "../env";
import { redact } from "../redaction";
import { askClaude } from "./claude";
import { plainText, quotedData, UNTRUSTED_DATA_RULES } from "./prompt";

/** Claude answers in at most this many tokens. */
export const INCIDENT_SUMMARY_MAX_TOKENS = 600;
/** What reaches the page, whatever Claude answered. */
const MAX_SUMMARY = 1_000;

const summarySchema = z.object({
  summary: z.string().describe("Two to four plain sentences: what is wrong, whom it affects, what to look at first."),
});

const SYSTEM = `You write the summary at the top of an incident page for the operations team of a company whose AI agents call tools through Policy OS.
The figures are computed by code and printed on the page beside your text; you cannot change them. Use only numbers that appear in the data, and never invent one.
Say what is wrong, which tools and agents it affects, and what the on-call person should look at first; point to the runbook when one is named.
${UNTRUSTED_DATA_RULES}
Write plain sentences without markdown. Answer only by calling the write_summary tool.`;

/**
 * The incidents' narrator in the Worker (`IncidentNarrator`, src/incidents/ports.ts): Claude's wording of an
 * incident's figures (redacted and quoted as data), or null when Claude is not configured, fails, times out, answers
 * nothing usable or the tenant's cap is reached. The page then shows the figures without a summary.
 */
export async function summarizeIncident(env: Env, incident: Incident): Promise<string | null> {
  const data = redact({
    title: incident.title,
    kind: incident.kind,
    opened_at: incident.opened_at,
    tools: incident.tools,
    agents: incident.agents,
    figures: incident.figures,
  }).value;
  const answer = await askClaude(env, {
    tenant_id: incident.tenant_id,
    purpose: "incident_summary",
    subject: incident.id,
    system: SYSTEM,
    prompt: `Summarise this incident for the on-call person.\n\n${quotedData("incident", data)}`,
    tool: { name: "write_summary", description: "Writes the incident page's summary.", schema: summarySchema },
    max_tokens: INCIDENT_SUMMARY_MAX_TOKENS,
  });
  if (!answer.ok) return null;
  return plainText(answer.value.summary, MAX_SUMMARY) || null;
}
