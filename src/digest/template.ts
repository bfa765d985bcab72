import type { DigestFigures, WeekTotals } from "./figures";

/** The prose around a digest's figures, and who wrote it: Claude, or the template when Claude could not. */
export interface DigestNarrative {
  paragraphs: string[];
  written_by: "Claude" | "Template";
}

/**
 * The narrative written from the figures alone, in plain sentences (no markup): what the digest says when Claude
 * is not asked, fails or is capped.
 *
 * @example templateNarrative(figures).paragraphs[0] // "In the week of 2026-11-16, agents made 24 tool calls: …"
 */
export function templateNarrative(figures: DigestFigures): DigestNarrative {
  const { calls, approvals, changes } = figures;
  const decided = calls.by_decision;
  const paragraphs: string[] = [];

  const running = figures.complete
    ? ""
    : ` The week is still running: these figures cover it up to ${figures.computed_at}.`;
  paragraphs.push(
    calls.total === 0
      ? `In the week of ${figures.week_start}, agents made no tool calls.${running}`
      : `In the week of ${figures.week_start}, agents made ${plural(calls.total, "tool call")}: ` +
          `${decided.authorized ?? 0} authorized, ${decided.escalated ?? 0} held for approval, ` +
          `${decided.denied ?? 0} denied and ${decided.invalid ?? 0} invalid.${running}`,
  );

  if (approvals.held === 0) paragraphs.push("No call was held for approval.");
  else {
    const median =
      approvals.median_minutes_to_decision === null
        ? "none was decided yet"
        : `the median time to a decision was ${plural(approvals.median_minutes_to_decision, "minute")}`;
    paragraphs.push(
      `${plural(approvals.held, "call was", "calls were")} held for approval: ${approvals.approved} approved, ` +
        `${approvals.denied} denied, ${approvals.expired} expired and ${approvals.pending} still pending; ${median}.`,
    );
  }

  const breakGlass = figures.break_glass.count;
  if (breakGlass > 0)
    paragraphs.push(
      `${plural(breakGlass, "decision was", "decisions were")} taken by break-glass, through the admin API while ` +
        `Notion was unreachable; the figures list them.`,
    );

  const busiest = figures.busiest_tools[0];
  const denier = figures.top_denied_agents[0];
  const who: string[] = [];
  if (busiest) who.push(`The busiest tool was ${busiest.tool} (${plural(busiest.calls, "call")}).`);
  if (denier) who.push(`${denier.name} had the most denied calls (${denier.denied}).`);
  const shadow = figures.shadow[0];
  if (shadow)
    who.push(
      `Had they been active, ${plural(figures.shadow.length, "Shadow policy", "Shadow policies")} would have acted ` +
        `on calls, ${shadow.policy_name} on the most (${plural(shadow.calls, "call")}).`,
    );
  if (who.length > 0) paragraphs.push(who.join(" "));

  paragraphs.push(
    `Compared with the week of ${changes.previous_week_start}: ${comparison(changes.previous, changes.difference)}.`,
  );
  return { paragraphs, written_by: "Template" };
}

const COMPARED: [keyof WeekTotals, string][] = [
  ["calls", "calls"],
  ["denied", "denials"],
  ["held", "holds"],
  ["approved", "approvals"],
  ["expired", "expiries"],
];

function comparison(previous: WeekTotals, difference: WeekTotals): string {
  return COMPARED.map(([key, word]) => {
    const change = difference[key];
    const from = previous[key];
    if (change === 0) return `${word} stayed at ${from}`;
    return `${word} ${change > 0 ? "rose" : "fell"} by ${Math.abs(change)} (from ${from} to ${from + change})`;
  }).join(", ");
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
