import type {
  escalationOfAgent,
  Escalation,
  openEscalation,
  releaseApproval,
  useApprovalOnFile,
} from "../approvals/escalations";
import type { BudgetBook } from "../budgets";
import type { AuditRow } from "../db/audit";
import type { PendingOutcome } from "../db/ledger-outbox";
import type { BudgetCrossing } from "../guards/budget-thresholds";
import type { Moderator } from "../guards/moderation";
import type { Host, ToolDescriptor } from "../hosts/host";
import type { Ledger } from "../ledger/types";
import type { DecisionInput } from "../db/decision-inputs";
import type { RunIds } from "../runs/run-ids";

/** Appends to one tenant's ledger, resolving with the stored entries' ids (the ledger Durable Object's RPC the pipeline uses). */
export type LedgerPort = Pick<Ledger, "append">;

/** Finds a tenant's tool and the host that runs it. */
export interface ToolResolver {
  resolve(tenant_id: string, name: string): Promise<{ host: Host; descriptor: ToolDescriptor } | null>;
}

/** Checks arguments against a tool's input schema; `code` is set when the schema itself is refused (the call ends with it). */
export type ArgumentValidator = (
  descriptor: ToolDescriptor,
  args: Record<string, unknown>,
) => { ok: true } | { ok: false; errors: { path: string; message: string }[]; code?: string };

/** A query of src/approvals with its database already bound: `(db, ...rest)` becomes `(...rest)`. */
type Bound<Query> = Query extends (db: D1Database, ...rest: infer Rest) => infer Result
  ? (...rest: Rest) => Result
  : never;

/** The escalations a held call needs: the approval on file, a new escalation, an approval given back. */
export interface EscalationPort {
  /** Claims the approval on file for the exact call, or says why there is none to use. */
  useApprovalOnFile: Bound<typeof useApprovalOnFile>;
  /** Opens an escalation for a held call (or finds the pending one of the same exact call). */
  openEscalation: Bound<typeof openEscalation>;
  /** Gives back an approval this invocation claimed but did not use. */
  releaseApproval: Bound<typeof releaseApproval>;
  /** One of the calling agent's escalations (governance.escalation_status). */
  escalationOfAgent: Bound<typeof escalationOfAgent>;
}

/** Where the operational audit log is written. */
export interface AuditPort {
  /** Writes one call's audit row. */
  writeAudit(row: AuditRow): Promise<void>;
}

/** Where the decision inputs replay reads are kept (D1 `decision_inputs`, src/release). */
export interface DecisionInputPort {
  /** Keeps one call's decision input; keeping an invocation twice keeps it once. */
  keep(input: DecisionInput): Promise<void>;
}

/** Where an outcome the ledger refused after its host ran is kept for the cron (D1 `ledger_outbox`). */
export interface OutboxPort {
  /** Keeps `pending` until the cron appends it; keeping an invocation twice keeps it once. */
  keep(pending: PendingOutcome): Promise<void>;
}

/** Whether a call may go to its host now: yes (perhaps as the half-open circuit's probe), or not before `retry_at`. */
export type HostAdmission = { admitted: true; probe: boolean } | { admitted: false; retry_at: number };

/** What a call that reached its host showed: when it ended (epoch ms), its latency, whether the host failed it. */
export interface HostObservation {
  at: number;
  ms: number;
  failed: boolean;
  /** The call was the half-open circuit's probe. */
  probe: boolean;
}

/** The hosts' circuit breaker (docs/hosts.md, "Host health"). */
export interface HostHealthPort {
  /** Whether a call may go to `host` now; answered in the isolate while the circuit is closed. Never rejects. */
  admit(tenant_id: string, host: Host): Promise<HostAdmission>;
  /** Reports what a call showed, after the answer; never throws. */
  observe(tenant_id: string, host: Host, observation: HostObservation): void;
}

/** An alert a call raised: the Active alert rows it matched, with what the call did. The arguments are redacted. */
export interface CallAlert {
  tenant_id: string;
  invocation_id: string;
  tool: string;
  agent: { id: string; name: string };
  /** The alert rows, in deciding order: each names the channels its alert goes to (none: the default channels). */
  policies: { policy_id: string; name: string; channels: readonly string[] }[];
  outcome: string;
  reason_code: string;
  /** The arguments as every record shows them (PII replaced); null when the call never got that far. */
  arguments: Record<string, unknown> | null;
  at: string;
}

/** Everything the pipeline reaches outside itself; injected so tests can control time and ids. */
export interface PipelineDeps {
  ledger: (tenant_id: string) => LedgerPort;
  /** The tenant's budget book (cost policies reserve in it before the host runs, and settle after). */
  budgets: (tenant_id: string) => Pick<BudgetBook, "reserve" | "settle" | "release">;
  /** The Cost a person set for the tool in the Tools database, in cents (null: none). */
  toolCost: (tenant_id: string, tool: string) => Promise<number | null>;
  escalations: EscalationPort;
  /** Mints and checks run ids (governance.start_run mints; the caller stage checks `_meta.run_id`). */
  runs: RunIds;
  audit: AuditPort;
  /** The call's decision input, kept for replaying candidate snapshots against (written after the response). */
  decisionInputs: DecisionInputPort;
  tools: ToolResolver;
  /** The hosts' circuit breaker: an open circuit fails calls fast, every call that reached a host is reported. */
  hostHealth: HostHealthPort;
  validateArguments: ArgumentValidator;
  now: () => Date;
  /** Monotonic milliseconds, for stage latencies. */
  clock: () => number;
  newId: (prefix: string) => string;
  /** Outcomes whose deferred retries all failed wait here for the cron. */
  outbox: OutboxPort;
  /** Resolves after `ms` milliseconds: the backoff between deferred retries (tests need not wait). */
  wait: (ms: number) => Promise<void>;
  /** Keeps work going after the response is sent (the Worker's `waitUntil`); used for the audit row. */
  defer: (work: Promise<unknown>) => void;
  /**
   * Follows a newly opened escalation up, deferred: its Durable Object (the alarm that expires it) and its page in
   * Notion's Approvals database (the arguments are what the page shows; the cron retries a page Notion refused).
   */
  escalationOpened: (escalation: Escalation, args: unknown) => Promise<void>;
  /** The Claude moderation pass of content policies that ask for one (in the request path; never throws). */
  moderate: Moderator;
  /** Follows a used approval up, deferred: its page's Decision becomes Executed (the cron retries it). */
  approvalUsed: (escalation: Escalation) => Promise<void>;
  /** Tells the alert rows' channels about a call, deferred (src/notifications: it only enqueues). */
  alerted: (alert: CallAlert) => Promise<void>;
  /** Tells the caps' channels of the thresholds (80%, 100%) a call took them across, deferred. */
  budgetCrossed: (tenant_id: string, crossings: BudgetCrossing[]) => Promise<void>;
}
