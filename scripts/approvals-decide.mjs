// `policy-os approvals decide`: the request it sends and the line it prints (kept apart so tests check both).

/**
 * The admin request body of `approvals decide <escalation> --approve|--deny --as <person> --reason "…"`, or the
 * sentence saying what is missing.
 *
 * @example decisionRequest({ approve: true, as: "ops", reason: "Notion is down" }) // { body: { decision: "approved", … } }
 */
export function decisionRequest(opts) {
  if (Boolean(opts.approve) === Boolean(opts.deny)) return { error: "give exactly one of --approve or --deny" };
  if (!opts.as?.trim()) return { error: "missing --as <person>: the approver deciding" };
  if (!opts.reason?.trim()) return { error: 'missing --reason "…": why the decision is taken by break-glass' };
  return { body: { decision: opts.approve ? "approved" : "denied", as: opts.as, reason: opts.reason } };
}

/**
 * What the CLI prints for the admin API's answer to a break-glass decision.
 *
 * @example decisionLine(answer) // "escalation esc_… approved by break-glass as ops at …"
 */
export function decisionLine(answer) {
  const next =
    answer.decision === "approved"
      ? `the agent's retry of ${answer.tool} with the same arguments runs once`
      : `the agent's retry of ${answer.tool} is refused`;
  return (
    `escalation ${answer.escalation_id} ${answer.decision} by break-glass as ${answer.decided_by} at ${answer.decided_at}; ` +
    `${next}. Reason recorded (redacted): ${answer.reason}\n${answer.page}`
  );
}
