// The invariants `npm run load` checks, as pure functions over what the run collected (the calls the agents saw,
// each tenant's ledger entries, the refunds its demo payments host made). Kept apart from scripts/load.mjs so that
// each figure is computed in one visible place.

/** Tools answered by Policy OS itself: they decide nothing, so they have no ledger entries. */
const GOVERNANCE_PREFIX = "governance.";

/**
 * Pairs a tenant's ledger with the calls its agent saw. `unpaired`: invocations whose ledger holds other than exactly
 * one `decision` and one `outcome` entry; `lost`: calls the agent got an answer for that the ledger lacks (either
 * entry); `mismatched`: calls whose outcome entry says another outcome than the agent was told; `foreign`: entries
 * of another tenant or naming one of `otherInvocations`.
 * @param {{ entries: Array<{ kind: string, invocation_id: string | null, tenant_id: string, body: Record<string, unknown> }>, tenant: string, calls: Array<{ tool: string, invocation_id?: string, outcome: string }>, otherInvocations: Set<string> }} input
 */
export function ledgerPairing({ entries, tenant, calls, otherInvocations }) {
  const byInvocation = new Map();
  const kinds = {};
  let foreign = 0;
  for (const entry of entries) {
    kinds[entry.kind] = (kinds[entry.kind] ?? 0) + 1;
    if (entry.tenant_id !== tenant || (entry.invocation_id && otherInvocations.has(entry.invocation_id))) foreign++;
    if (entry.kind !== "decision" && entry.kind !== "outcome") continue;
    const seen = byInvocation.get(entry.invocation_id) ?? { decision: 0, outcome: 0, said: null };
    seen[entry.kind]++;
    if (entry.kind === "outcome") seen.said = entry.body.outcome;
    byInvocation.set(entry.invocation_id, seen);
  }
  let unpaired = 0;
  for (const seen of byInvocation.values()) if (seen.decision !== 1 || seen.outcome !== 1) unpaired++;
  let lost = 0;
  let mismatched = 0;
  for (const call of calls) {
    if (!call.invocation_id || call.tool.startsWith(GOVERNANCE_PREFIX)) continue;
    const seen = byInvocation.get(call.invocation_id);
    if (!seen || seen.decision === 0 || seen.outcome === 0) lost++;
    else if (seen.said !== call.outcome) mismatched++;
  }
  return { entries: entries.length, kinds, invocations: byInvocation.size, unpaired, lost, mismatched, foreign };
}

/**
 * Compares what the host did with what the ledger authorized. `executions`: refunds the host made;
 * `authorized`: distinct invocations of `tool` whose ledger outcome is `succeeded`; `double`: refunds beyond the first
 * for one invocation or for one logical call (each planned call has its own `reason`, which its retries repeat);
 * `unrecorded`: refunds whose invocation the ledger does not show as succeeded; `unexecuted`: succeeded invocations
 * the host has no refund for.
 * @param {{ refunds: Array<{ invocation_id: string, reason: string, amount_cents: number }>, succeededRefunds: Set<string> }} input
 */
export function hostExecutions({ refunds, succeededRefunds }) {
  const perInvocation = countBy(refunds, (refund) => refund.invocation_id);
  const perReason = countBy(refunds, (refund) => refund.reason);
  let double = 0;
  for (const n of perInvocation.values()) double += n - 1;
  for (const n of perReason.values()) double += n - 1;
  const unrecorded = refunds.filter((refund) => !succeededRefunds.has(refund.invocation_id)).length;
  const unexecuted = [...succeededRefunds].filter((id) => !perInvocation.has(id)).length;
  return { executions: refunds.length, authorized: succeededRefunds.size, double, unrecorded, unexecuted };
}

/**
 * Spend against a cap per UTC day: `spent` is the largest day's total, `overspend` how far any day went past `cap`.
 * @param {{ refunds: Array<{ amount_cents: number, day: string }>, cap: number }} input
 */
export function spendAgainstCap({ refunds, cap }) {
  const perDay = new Map();
  for (const refund of refunds) perDay.set(refund.day, (perDay.get(refund.day) ?? 0) + refund.amount_cents);
  const totals = [...perDay.values()];
  const spent = Math.max(0, ...totals);
  const overspend = totals.reduce((sum, total) => sum + Math.max(0, total - cap), 0);
  return { cap, spent, overspend, days: perDay.size };
}

/** Lines of a plain-text table: a header row, then one line per row, columns padded to their widest cell. */
export function table(header, rows) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd(),
  );
}

function countBy(items, key) {
  const counts = new Map();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
