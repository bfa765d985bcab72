/**
 * Ledger entry bodies, one zod schema per kind and version (after Rekor's `pkg/types/<kind>/<version>/`), typed
 * constructors for what callers append, and the parser that evidence and verification tooling read entries with.
 */
import type { z } from "zod";
import { LEDGER_ENTRY_KINDS, type LedgerEntry, type LedgerEntryKind } from "../types";
import { callerV1, decisionV1Schema, type CallerRecord, type DecisionBodyV1 } from "./decision.v1";
import { escalationV1Schema, type EscalationBodyV1 } from "./escalation.v1";
import { outcomeV1Schema, type OutcomeBodyV1 } from "./outcome.v1";
import { policySyncV1Schema, type PolicySyncBodyV1 } from "./policy_sync.v1";
import { releaseV1Schema, type ReleaseBodyV1 } from "./release.v1";
import { releaseAcceptedV1Schema, type ReleaseAcceptedBodyV1 } from "./release_accepted.v1";

export type {
  CallerRecord,
  DecisionBodyV1,
  EscalationBodyV1,
  OutcomeBodyV1,
  PolicySyncBodyV1,
  ReleaseAcceptedBodyV1,
  ReleaseBodyV1,
};
export { callerV1 };

/**
 * The body schema of every kind at every version. A body names its version in the member `v`; a body without `v`
 * is version 1, which is every entry written so far (they carry no `v`, and v1 schemas accept none), so versioning
 * changes no stored entry or hash. A v2 body carries `v: 2` (its schema says `v: z.literal(2)`) and is added here
 * as `{ 1: …, 2: … }`; v1 entries stay readable as they are. A version not listed is reported, never guessed.
 */
export const LEDGER_ENTRY_SCHEMAS = {
  decision: { 1: decisionV1Schema },
  outcome: { 1: outcomeV1Schema },
  escalation: { 1: escalationV1Schema },
  policy_sync: { 1: policySyncV1Schema },
  release: { 1: releaseV1Schema },
  release_accepted: { 1: releaseAcceptedV1Schema },
} as const satisfies { readonly [K in LedgerEntryKind]: { readonly [version: number]: z.ZodType } };

type Schemas = typeof LEDGER_ENTRY_SCHEMAS;

/** The versions a kind has. */
export type LedgerEntryVersion<K extends LedgerEntryKind> = keyof Schemas[K] & number;

/** A kind's body at version `V`, version 1 unless said. */
export type LedgerEntryBody<K extends LedgerEntryKind, V extends LedgerEntryVersion<K> = 1> = z.infer<Schemas[K][V]>;

/** An entry of kind `K` to append, its body at the version writers write today. */
export interface LedgerEntryInputOf<K extends LedgerEntryKind> {
  kind: K;
  invocation_id: string | null;
  body: LedgerEntryBody<K>;
}

/** An entry of any kind to append, with its typed body. */
export type TypedLedgerEntryInput = { [K in LedgerEntryKind]: LedgerEntryInputOf<K> }[LedgerEntryKind];

/**
 * A `decision` entry of one tool call.
 *
 * @example decisionEntry(invocation_id, { agent_id, tool, decision: "authorized", …, correlation })
 */
export function decisionEntry(invocation_id: string, body: DecisionBodyV1): LedgerEntryInputOf<"decision"> {
  return { kind: "decision", invocation_id, body };
}

/** The `outcome` entry of one tool call, appended last. */
export function outcomeEntry(invocation_id: string, body: OutcomeBodyV1): LedgerEntryInputOf<"outcome"> {
  return { kind: "outcome", invocation_id, body };
}

/**
 * An `escalation` entry: one event of an escalation; `invocation_id` is the call that caused it, null for events
 * no call caused (a decision in Notion, an expiry found by the alarm).
 *
 * @example escalationEntry(null, { event: "expired", escalation_id, agent_id, tool, expires_at })
 */
export function escalationEntry(
  invocation_id: string | null,
  body: EscalationBodyV1,
): LedgerEntryInputOf<"escalation"> {
  return { kind: "escalation", invocation_id, body };
}

/** A `policy_sync` entry: a new policy snapshot (no call causes one, so no invocation id). */
export function policySyncEntry(body: PolicySyncBodyV1): LedgerEntryInputOf<"policy_sync"> {
  return { kind: "policy_sync", invocation_id: null, body };
}

/** A `release` entry: a candidate snapshot checked, live or held (no call causes one, so no invocation id). */
export function releaseEntry(body: ReleaseBodyV1): LedgerEntryInputOf<"release"> {
  return { kind: "release", invocation_id: null, body };
}

/** A `release_accepted` entry: a person accepted a held release, before its snapshot takes effect. */
export function releaseAcceptedEntry(body: ReleaseAcceptedBodyV1): LedgerEntryInputOf<"release_accepted"> {
  return { kind: "release_accepted", invocation_id: null, body };
}

/** A stored entry whose body its kind's schema at its version accepts; narrow on `kind` for the typed body. */
export type ParsedLedgerEntry = Omit<LedgerEntry, "kind" | "body"> &
  {
    [K in LedgerEntryKind]: {
      [V in LedgerEntryVersion<K>]: { kind: K; version: V; body: LedgerEntryBody<K, V> };
    }[LedgerEntryVersion<K>];
  }[LedgerEntryKind];

/** {@link parseLedgerEntry}'s answer: the typed entry, or what is wrong with it in one line. */
export type LedgerEntryParse = { ok: true; entry: ParsedLedgerEntry } | { ok: false; problem: string };

/**
 * Reads a stored (or exported) entry's body by its kind and version (`v`, absent = 1). An unknown kind, a `v` that
 * is not a positive integer, a version with no schema, or a body its schema refuses is a problem, never guessed at.
 * Checks only the body: hashes and links are verifyChain's.
 *
 * @example const parsed = parseLedgerEntry(entry); if (parsed.ok && parsed.entry.kind === "decision") parsed.entry.body.tags
 */
export function parseLedgerEntry(
  entry: Omit<LedgerEntry, "kind" | "body"> & { kind: string; body: unknown },
): LedgerEntryParse {
  const { kind, body } = entry;
  if (!isKind(kind)) return { ok: false, problem: `kind ${JSON.stringify(kind)} has no schema` };
  const v = typeof body === "object" && body !== null && Object.hasOwn(body, "v") ? (body as { v: unknown }).v : 1;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
    return { ok: false, problem: `the ${kind} body's version v ${JSON.stringify(v)} is not a positive integer` };
  const versions: { readonly [version: number]: z.ZodType | undefined } = LEDGER_ENTRY_SCHEMAS[kind];
  const schema = versions[v];
  if (!schema)
    return { ok: false, problem: `${kind} v${v} is not a known version (known: ${Object.keys(versions).join(", ")})` };
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    return { ok: false, problem: `the ${kind} v${v} body does not match its schema: ${issues(parsed.error)}` };
  // The schema for (kind, v) accepted the body, so it has that pair's type.
  return { ok: true, entry: { ...entry, kind, version: v, body: parsed.data } as ParsedLedgerEntry };
}

function isKind(kind: string): kind is LedgerEntryKind {
  return (LEDGER_ENTRY_KINDS as readonly string[]).includes(kind);
}

/** The first issue as `path: message`, and how many more there are. */
function issues(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return "invalid";
  const where = first.path.length > 0 ? first.path.join(".") : "body";
  return `${where}: ${first.message}${rest.length > 0 ? ` (and ${rest.length} more)` : ""}`;
}
