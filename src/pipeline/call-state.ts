/**
 * A call as it goes through the stages: what is known so far. Each stage hands on a copy that knows more, or ends
 * the call; the record stage writes whatever was known when it ended.
 */
import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import type { Escalation } from "../approvals/escalations";
import type { Principal } from "../db/tenancy";
import type { CostLine } from "../guards/budget";
import type { Screening } from "../guards/screen";
import type { Host, ToolDescriptor } from "../hosts/host";
import type { PolicySnapshot } from "../policy";
import { redactText } from "../redaction";
import type { AgentFacts, CallContext, Decision, ToolFacts } from "../policy/types";
import type { CallerFacts } from "./caller-facts";
import type { Outcome } from "./outcome";
import type { PipelineDeps } from "./ports";

/** One tools/call as the MCP layer hands it over. */
export interface ToolCall {
  principal: Principal;
  snapshot: PolicySnapshot;
  name: string;
  args: unknown;
  /**
   * The request's `_meta` (correlation ids, an escalation id, and the claims the caller stage verifies: the person
   * acted for, the workspace, the run).
   */
  meta: Record<string, unknown>;
  /** MCP clientInfo or the caller's user agent. */
  client_id: string | null;
}

/** The pipeline's result: the outcome contract plus the one sentence that says it. */
export interface ToolCallResult {
  outcome: Outcome;
  sentence: string;
  /** The host's own content blocks, after the result guards (a succeeded call to an upstream MCP tool only). */
  content?: ContentBlock[];
}

/** What a call's records say was decided: decide()'s verdict, or `invalid` when no policy looked at it. */
export type Verdict = Decision["decision"] | "invalid";

/** What decide() was told about the call besides its arguments (cost expressions read them too). */
export interface CallFacts {
  tool: ToolFacts;
  agent: AgentFacts;
  context: CallContext;
}

/** What is known about a call at any stage; later stages fill in the nullable fields. */
export interface CallState {
  readonly call: ToolCall;
  /** The requested tool name, redacted and bounded: it is echoed into the outcome, the ledger and the audit log. */
  readonly name: string;
  /** The caller's client id, redacted and bounded, as the ledger and the audit log record it. */
  readonly client_id: string | null;
  readonly invocation_id: string;
  readonly started_at: string;
  /** The `_meta` correlation ids, redacted: echoed into the outcome, the ledger and the audit log. */
  readonly correlation: Outcome["correlation"];
  readonly descriptor: ToolDescriptor | null;
  /** The caller's verified facts, once the caller stage has checked its claims. */
  readonly caller: CallerFacts | null;
  /** Hash of the canonical arguments, once they are valid. */
  readonly args_hash: string | null;
  /** The decision as it stands: decide()'s, then as guards, approval and budget change it. */
  readonly decision: Decision | null;
  /** The arguments as records show them and as the host receives them, once guarded. */
  readonly screening: Screening | null;
  /** The approval on file this invocation claimed (it runs once under it). */
  readonly approval: Escalation | null;
  /** The cost lines reserved in the budget book (settled or released after the host runs). */
  readonly budget: CostLine[];
}

/** After validate: the tool is known and the arguments are a valid JSON object. */
export type Validated = CallState & {
  readonly descriptor: ToolDescriptor;
  readonly host: Host;
  readonly args: Record<string, unknown>;
  readonly args_hash: string;
};

/** After caller: the person acted for, the workspace and the run are verified facts. */
export type Identified = Validated & { readonly caller: CallerFacts };

/** After policy: decide() has answered, and the call was not denied. */
export type Decided = Identified & { readonly decision: Decision; readonly facts: CallFacts };

/** After guards: the arguments are screened, and no guard stopped the call. */
export type Screened = Decided & { readonly screening: Screening };

/** A screened call running under the approval it claimed. */
export type Granted = Screened & { readonly approval: Escalation };

/** Longest tool name or client id recorded as sent; longer ones are cut (no real tool name comes near it). */
const MAX_RECORDED = 200;

/**
 * Longest text scanned for PII before it is cut: a longer one is recorded as `[REDACTED:size_limit]`, so a cut
 * never halves an email or a card number into a fragment no detector recognises.
 */
const MAX_SCANNED = 65_536;

/**
 * Control characters (C0, DEL, C1) and bidirectional overrides: a terminal, log viewer or page showing a record would
 * act on them (an ANSI colour, text that reads backwards), so records hold them as visible `\uXXXX` escapes.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A caller-chosen string as records may hold it: PII replaced by the built-in detectors' markers, unprintable
 * characters escaped, then bounded. Records are append-only, so this runs before any is written. Ordinary ids pass
 * untouched.
 * @example recordable("ops pat@example.com") // "ops [REDACTED:email]"
 * @example recordable("crm.search\u001b[31m") // "crm.search\\u001b[31m"
 */
export function recordable(text: string): string {
  const { text: redacted } = redactText(text, { maxChars: MAX_SCANNED });
  const printable = redacted.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return printable.length <= MAX_RECORDED ? printable : `${printable.slice(0, MAX_RECORDED)}…`;
}

/** The state of a call no stage has looked at yet: what the caller sent that records echo is redacted here, once. */
export function startCall(deps: Pick<PipelineDeps, "newId" | "now">, call: ToolCall): CallState {
  return {
    call,
    name: recordable(call.name),
    client_id: call.client_id === null ? null : recordable(call.client_id),
    invocation_id: deps.newId("inv"),
    started_at: deps.now().toISOString(),
    correlation: correlationOf(call.meta),
    descriptor: null,
    caller: null,
    args_hash: null,
    decision: null,
    screening: null,
    approval: null,
    budget: [],
  };
}

/** A short string the caller set in `_meta` under `key`, else null. */
export function metaString(meta: Record<string, unknown>, key: string): string | null {
  const value = Object.hasOwn(meta, key) ? meta[key] : undefined;
  return typeof value === "string" && value.length > 0 && value.length <= 200 ? value : null;
}

/** The correlation ids a caller put in `_meta`, redacted, as every outcome and record echoes them. */
export function correlationOf(meta: Record<string, unknown>): Outcome["correlation"] {
  const id = (key: string) => {
    const value = metaString(meta, key);
    return value === null ? null : recordable(value);
  };
  return { correlation_id: id("correlation_id"), session_id: id("session_id"), run_id: id("run_id") };
}
