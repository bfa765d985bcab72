import { z } from "zod";
import type { Env } from "../env";
import type { ModerationAnswer, ModerationRequest } from "../guards/moderation";
import { redact } from "../redaction";
import { askClaude } from "./claude";
import { quotedData, UNTRUSTED_DATA_RULES } from "./prompt";

/** Claude answers in at most this many tokens. */
export const MODERATION_MAX_TOKENS = 500;
/** The agent waits for the pass: it gives up sooner than a summary would. */
const MODERATION_TIMEOUT_MS = 10_000;

const findingsSchema = z.object({
  findings: z
    .array(
      z.object({
        path: z.string().describe("The JSON path of the string argument, such as $.note or $.items[0].text."),
        category: z.string().describe("What kind of content it is, in a few words."),
      }),
    )
    .describe("Every string argument the policy flags; an empty list when none."),
});

const SYSTEM = `You check the text arguments of an AI agent's tool call against a content policy a company wrote.
Flag a string argument only when the policy describes what it contains. You do not judge anything else.
${UNTRUSTED_DATA_RULES}
Answer only by calling the report_findings tool.`;

/**
 * The moderation pass as the pipeline asks for it: Claude reads the redacted arguments (quoted as untrusted) against
 * the policy's guidance and names the flagged paths. Any failure (no key, the monthly cap, an error, a timeout, a
 * malformed answer) comes back as a failure, which the pipeline treats as the policy requires.
 */
export async function moderateWithClaude(env: Env, request: ModerationRequest): Promise<ModerationAnswer> {
  const answer = await askClaude(env, {
    tenant_id: request.tenant_id,
    purpose: "moderation",
    subject: request.invocation_id,
    system: SYSTEM,
    prompt:
      `The policy: ${request.guidance}\n\nWhich string arguments of this call to ${request.tool} does the policy flag?\n\n` +
      quotedData("arguments", redact(request.arguments).value),
    tool: { name: "report_findings", description: "Reports the flagged string arguments.", schema: findingsSchema },
    max_tokens: MODERATION_MAX_TOKENS,
    timeout_ms: MODERATION_TIMEOUT_MS,
  });
  return answer.ok ? { ok: true, findings: answer.value.findings } : { ok: false, failure: answer.failure };
}
