/**
 * The optional Claude moderation pass of content policies: a content row whose Moderation column says what to flag
 * has Claude read the call's (redacted) string arguments before any approval or host sees them. A flag applies the
 * row's Mode; when Claude cannot answer, block and redact rows stop the call and pause rows hold it, so an outage
 * never lets through what the policy would have checked.
 */
import type { CompiledPolicy } from "../policy";
import type { GuardStop, Screening } from "./screen";

/** What the moderator is asked about one call, for one policy. */
export interface ModerationRequest {
  tenant_id: string;
  invocation_id: string;
  tool: string;
  policy_id: string;
  /** The policy's Moderation column: what to flag, in a manager's words. */
  guidance: string;
  /** The arguments as every record shows them (PII already redacted). */
  arguments: Record<string, unknown>;
}

/** A finding: the argument's JSON path (`$.note`) and what kind of content it is. */
export interface ModerationFinding {
  path: string;
  category: string;
}

export type ModerationAnswer = { ok: true; findings: ModerationFinding[] } | { ok: false; failure: string };

/** Asks Claude (src/claude/moderation.ts in the Worker; a fake in tests). Never throws. */
export type Moderator = (request: ModerationRequest) => Promise<ModerationAnswer>;

/** Said in place of a string argument a moderation pass flagged, under a `redact` row. */
export const MODERATION_REDACTED = "[REDACTED:moderation]";

/**
 * Runs the moderation pass of every Active content row with Moderation guidance among `guards`, in deciding order,
 * and folds what it finds into `screening`: hits, alerts, a deny or hold, and for `redact` rows the flagged string
 * arguments replaced in what the host receives. Nothing is asked when a guard already denies the call; Shadow rows
 * are not asked (a pass costs a Claude call).
 */
export async function moderateArguments(
  guards: readonly CompiledPolicy[],
  screening: Screening,
  call: { tenant_id: string; invocation_id: string; tool: string },
  moderate: Moderator,
): Promise<void> {
  let hold: GuardStop | null = screening.stop?.effect === "hold" ? screening.stop : null;
  for (const policy of guards) {
    const guard = policy.guard;
    if (guard?.kind !== "content" || guard.moderation === "" || policy.status !== "Active") continue;
    if (screening.stop?.effect === "deny") return;
    const answer = await moderate({
      ...call,
      policy_id: policy.policy_id,
      guidance: guard.moderation,
      arguments: screening.recorded,
    });
    const details = { policy: policy.policy_id, policy_name: policy.name };
    if (!answer.ok) {
      const unavailable = `moderation unavailable (${answer.failure})`;
      screening.hits.push({ policy_id: policy.policy_id, type: "content", mode: policy.mode, found: [unavailable] });
      if (policy.mode === "block" || policy.mode === "redact")
        screening.stop = {
          effect: "deny",
          policy,
          details: { ...details, moderation: answer.failure },
          denial: UNAVAILABLE,
        };
      else if (policy.mode === "pause")
        hold ??= { effect: "hold", policy, details: { ...details, found: [unavailable] } };
      else if (policy.mode === "alert") screening.alerts.push(policy.policy_id);
      continue;
    }
    const findings = answer.findings.filter((finding) => stringAt(screening.forHost, finding.path) !== undefined);
    if (answer.findings.length === 0) continue;
    const found = (findings.length > 0 ? findings : answer.findings)
      .slice(0, 20)
      .map((finding) => `${finding.path} (moderation: ${finding.category.slice(0, 60)})`);
    screening.hits.push({ policy_id: policy.policy_id, type: "content", mode: policy.mode, found });
    if (policy.mode === "block") screening.stop = { effect: "deny", policy, details: { ...details, found } };
    else if (policy.mode === "pause") hold ??= { effect: "hold", policy, details: { ...details, found } };
    else if (policy.mode === "alert") screening.alerts.push(policy.policy_id);
    else if (policy.mode === "redact") {
      // A flag Claude could not place on a string argument cannot be redacted: the call stops instead.
      if (findings.length === 0) screening.stop = { effect: "deny", policy, details: { ...details, found } };
      for (const finding of findings) screening.forHost = replacedAt(screening.forHost, finding.path);
    }
  }
  if (screening.stop?.effect !== "deny") screening.stop = hold;
}

const UNAVAILABLE = {
  code: "moderation_unavailable",
  message:
    "A content policy needs Claude to check this call's text, and Claude could not be reached; nothing ran. Try again shortly.",
  retryable: true,
} as const;

/** `$.a.b[0]`-style path segments, or null for a path this pass does not address. */
function segments(path: string): (string | number)[] | null {
  if (!path.startsWith("$")) return null;
  const out: (string | number)[] = [];
  const step = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const match = step.exec(path);
    if (!match) return null;
    out.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : (JSON.parse(match[3]!) as string)));
  }
  return out;
}

function stringAt(value: unknown, path: string): string | undefined {
  const steps = segments(path);
  if (!steps) return undefined;
  let at: unknown = value;
  for (const step of steps) {
    if (at === null || typeof at !== "object") return undefined;
    at = (at as Record<string | number, unknown>)[step];
  }
  return typeof at === "string" ? at : undefined;
}

/** A copy of `value` with the string at `path` replaced by {@link MODERATION_REDACTED}. */
function replacedAt<T>(value: T, path: string): T {
  const steps = segments(path)!;
  const copy = (node: unknown, depth: number): unknown => {
    if (depth === steps.length) return MODERATION_REDACTED;
    const step = steps[depth]!;
    if (Array.isArray(node)) return node.map((item, i) => (i === step ? copy(item, depth + 1) : item));
    const record = node as Record<string, unknown>;
    return { ...record, [step]: copy(record[step as string], depth + 1) };
  };
  return copy(value, 0) as T;
}
