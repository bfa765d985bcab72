/**
 * Privacy and content guards on a call's arguments, before any approval or host sees them: what every record
 * shows (PII always redacted), what the host receives (redacted where a policy says `redact`), and whether a guard
 * stops or holds the call.
 */
import type { JsonValue } from "../ledger/canonical";
import type { CompiledPolicy } from "../policy";
import type { ContentSettings, PrivacySettings } from "../policy/guard-settings";
import type { ShadowResult } from "../policy/types";
import { compileCustomPattern, redact, type NamedPattern, type Redaction } from "../redaction";
import { contentMatcher, type ContentMatcher } from "./content";

/** A guard that was hit, as the decision's ledger entry lists it. */
export interface GuardHit {
  policy_id: string;
  type: "privacy" | "content";
  mode: CompiledPolicy["mode"];
  /** privacy: `$.path (detector)`; content: `$.path (term)`. Never the matched text itself. */
  found: string[];
}

/** A guard that stops the call (block) or holds it for approval (pause). */
export interface GuardStop {
  effect: "deny" | "hold";
  policy: CompiledPolicy;
  details: Record<string, JsonValue>;
  /** Said to the agent instead of the policy's reason code and message (a moderation pass that could not run). */
  denial?: { code: string; message: string; retryable: boolean };
}

export interface Screening {
  /** The arguments for every record (the ledger, the audit log, Notion, Claude): PII replaced. */
  recorded: Record<string, unknown>;
  /** Where `recorded` was redacted, and by which detector. */
  redactions: Redaction[];
  /** The arguments the host receives: `redact` guards applied. */
  forHost: Record<string, unknown>;
  /** The first blocking guard hit, else the first pausing one; null when the call may go on. */
  stop: GuardStop | null;
  hits: GuardHit[];
  alerts: string[];
  shadow: ShadowResult[];
}

const customPatterns = new WeakMap<CompiledPolicy, NamedPattern | null>();
const contentMatchers = new WeakMap<CompiledPolicy, ContentMatcher>();

/** A privacy row's custom pattern, compiled once per snapshot. */
function customPatternOf(policy: CompiledPolicy, settings: PrivacySettings): NamedPattern | null {
  if (settings.pattern === "") return null;
  let named = customPatterns.get(policy);
  if (named === undefined) {
    const compiled = compileCustomPattern(settings.pattern);
    // The sync refuses a row whose pattern is unsafe; one that still fails is not run.
    named = compiled.ok ? { name: policy.policy_id, pattern: compiled.pattern } : null;
    customPatterns.set(policy, named);
  }
  return named;
}

function matcherOf(policy: CompiledPolicy, settings: ContentSettings): ContentMatcher {
  let matcher = contentMatchers.get(policy);
  if (!matcher) contentMatchers.set(policy, (matcher = contentMatcher(settings)));
  return matcher;
}

function privacyScan(policy: CompiledPolicy, settings: PrivacySettings, value: unknown) {
  const custom = customPatternOf(policy, settings);
  return redact(value, {
    ...(settings.detectors.length > 0 ? { detectors: settings.detectors } : {}),
    ...(custom ? { custom: [custom] } : {}),
  });
}

/**
 * Applies the privacy and content guards among `guards` (decide()'s list, in deciding order) to `args`. Every
 * built-in detector and every active privacy row's custom pattern redact the recorded copy, whatever the rows'
 * modes: raw PII never reaches a record.
 */
export function screenArguments(guards: readonly CompiledPolicy[], args: Record<string, unknown>): Screening {
  const active = guards.filter((policy) => policy.status === "Active");
  const custom = active.flatMap((policy) =>
    policy.guard?.kind === "privacy" ? (customPatternOf(policy, policy.guard) ?? []) : [],
  );
  const record = redact(args, { custom });
  const screening: Screening = {
    recorded: record.value as Record<string, unknown>,
    redactions: record.redactions,
    forHost: args,
    stop: null,
    hits: [],
    alerts: [],
    shadow: [],
  };
  let hold: GuardStop | null = null;

  for (const policy of guards) {
    const guard = policy.guard;
    if (guard?.kind !== "privacy" && guard?.kind !== "content") continue;
    const found =
      guard.kind === "privacy"
        ? privacyScan(policy, guard, args).redactions.map((r) => `${r.path} (${r.detector})`)
        : matcherOf(policy, guard)
            .scan(args, false)
            .hits.map((hit) => `${hit.path} (${hit.term})`);
    if (found.length === 0) continue;
    if (policy.status === "Shadow") {
      screening.shadow.push({
        policy_id: policy.policy_id,
        policy_name: policy.name,
        would: policy.mode,
        reason_code: policy.reason_code,
      });
      continue;
    }
    screening.hits.push({ policy_id: policy.policy_id, type: guard.kind, mode: policy.mode, found });
    const details = { policy: policy.policy_id, policy_name: policy.name, found: found.slice(0, 20) };
    if (policy.mode === "block") screening.stop ??= { effect: "deny", policy, details };
    else if (policy.mode === "pause") hold ??= { effect: "hold", policy, details };
    else if (policy.mode === "alert") screening.alerts.push(policy.policy_id);
    else if (policy.mode === "redact")
      screening.forHost = (
        guard.kind === "privacy"
          ? privacyScan(policy, guard, screening.forHost).value
          : matcherOf(policy, guard).scan(screening.forHost, true).value
      ) as Record<string, unknown>;
  }
  screening.stop ??= hold;
  return screening;
}

/**
 * Content guards that check results: the host's data with `redact` guards applied, or the guard that withholds it
 * (block). Alerts name the rows that were hit in alert mode.
 */
export function screenResult(
  guards: readonly CompiledPolicy[],
  data: unknown,
): { data: unknown; withheld: GuardStop | null; hits: GuardHit[]; alerts: string[] } {
  const out = { data, withheld: null as GuardStop | null, hits: [] as GuardHit[], alerts: [] as string[] };
  for (const policy of guards) {
    const guard = policy.guard;
    if (guard?.kind !== "content" || !guard.results || policy.status !== "Active") continue;
    const scanned = matcherOf(policy, guard).scan(out.data, policy.mode === "redact");
    if (scanned.hits.length === 0) continue;
    const found = scanned.hits.map((hit) => `result ${hit.path} (${hit.term})`);
    out.hits.push({ policy_id: policy.policy_id, type: "content", mode: policy.mode, found });
    if (policy.mode === "block" || policy.mode === "pause")
      out.withheld ??= {
        effect: "deny",
        policy,
        details: { policy: policy.policy_id, policy_name: policy.name, found: found.slice(0, 20) },
      };
    else if (policy.mode === "redact") out.data = scanned.value;
    else if (policy.mode === "alert") out.alerts.push(policy.policy_id);
  }
  return out;
}
