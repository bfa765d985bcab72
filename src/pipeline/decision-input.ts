import { redact } from "../redaction";
import type { DecisionInput } from "../db/decision-inputs";
import type { CallState, Decided, Verdict } from "./call-state";

/**
 * The decision input of a call decide() answered, for replay (src/release): its facts, its arguments as records
 * show them (the guards' redacted copy, or the built-in detectors' when a denial came before the guards ran) and
 * the paths redaction changed. Null when no policy looked at the call (invalid, or refused at the caller stage).
 */
export function decisionInputOf(state: CallState, verdict: Verdict): DecisionInput | null {
  const { facts, args, args_hash } = state as Partial<Decided>;
  if (verdict === "invalid" || !facts || !args || !args_hash || !state.decision) return null;
  const recorded = state.screening ?? redactedCopy(args);
  return {
    tenant_id: state.call.principal.tenant.id,
    invocation_id: state.invocation_id,
    created_at: state.started_at,
    facts,
    args: recorded.recorded,
    redacted: [...new Set(recorded.redactions.map((redaction) => redaction.path))],
    args_hash,
    decision: verdict,
    reason_code: state.decision.reason_code,
    snapshot: state.decision.snapshot,
  };
}

function redactedCopy(args: Record<string, unknown>) {
  const { value, redactions } = redact(args);
  return { recorded: value as Record<string, unknown>, redactions };
}
