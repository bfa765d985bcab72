/** Claude in the workspace: it writes escalation and incident summaries and the digest's narrative; it never decides. */
export { askClaude, claudeConfigured, claudeModel, claudeSpend } from "./claude";
export type { ClaudeAnswer, ClaudeFailure, ClaudePurpose, ClaudeRequest } from "./claude";
export { summarizeEscalation, summarizePending, SUMMARY_ATTEMPTS } from "./escalation-summary";
export type { EscalationSummary, SummaryResult } from "./escalation-summary";
export { DEFAULT_MODEL, priceOf } from "./prices";
export { plainText, quotedData } from "./prompt";
export { narrateDigest } from "./digest-narrative";
export { moderateWithClaude } from "./moderation";
export { summarizeIncident } from "./incident-summary";
export { summarizeRelease } from "./release-summary";
