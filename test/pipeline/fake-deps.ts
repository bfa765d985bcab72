/**
 * Tiny in-memory ports for the pipeline's stage tests: a ledger, a budget book, escalations, an audit log, two
 * tools on one host, a fixed clock and counting ids. Nothing here needs workerd's bindings.
 */
import type { Escalation } from "../../src/approvals/escalations";
import type { BudgetLine } from "../../src/budgets/types";
import type { AuditRow } from "../../src/db/audit";
import type { DecisionInput } from "../../src/db/decision-inputs";
import type { PendingOutcome } from "../../src/db/ledger-outbox";
import { DEFAULT_APPROVAL_TIMING, type Principal } from "../../src/db/tenancy";
import type { ModerationAnswer } from "../../src/guards/moderation";
import type { Host, HostCallResult, ToolDescriptor } from "../../src/hosts/host";
import type { LooseLedgerEntryInput } from "../../src/ledger/types";
import { compilePolicies, type PolicySnapshot } from "../../src/policy";
import { DEFAULT_POSTURE } from "../../src/policy/types";
import { startCall, type Identified, type Screened, type ToolCall } from "../../src/pipeline/call-state";
import type { BudgetCrossing } from "../../src/guards/budget-thresholds";
import type { CallAlert, HostAdmission, HostObservation, PipelineDeps } from "../../src/pipeline/ports";
import { caller } from "../../src/pipeline/stages/caller";
import { guards } from "../../src/pipeline/stages/guards";
import { policy } from "../../src/pipeline/stages/policy";
import { validate } from "../../src/pipeline/stages/validate";
import { fakeBudgetBook } from "./fake-budget-book";
import { fakeEscalations } from "./fake-escalations";
import { runIds } from "../../src/runs/run-ids";

/** The fixed time every fake call happens at. */
export const NOW = new Date("2026-12-06T12:00:00.000Z");

/** The calling agent: support scope, allowed the payments and crm tools. */
export const principal: Principal = {
  tenant: {
    id: "acme",
    name: "Acme",
    posture: DEFAULT_POSTURE,
    default_approvers: ["ops@acme.test"],
    snapshot_hash: null,
    approvals: DEFAULT_APPROVAL_TIMING,
    claude_monthly_cap_cents: 500,
    digest: { weekday: 1, hour: 8 },
  },
  agent: {
    id: "agt_support",
    tenant_id: "acme",
    name: "support-agent",
    owner: "owner@acme.test",
    status: "active",
    scopes: ["support"],
    allowed_tools: ["payments.*", "crm.*"],
    acts_for: ["pat@acme.test"],
    workspaces: ["acme"],
  },
};

const descriptor = (tool: string, fields: Partial<ToolDescriptor>): ToolDescriptor => ({
  name: `payments.${tool}`,
  host: "payments",
  tool,
  title: null,
  description: tool,
  input_schema: { type: "object" },
  annotations: {},
  version: "1.0.0",
  demo: true,
  ...fields,
});

/** The tools the fake host runs: a refund (needs `amount_cents`) and a read-only lookup. */
export const TOOLS: ToolDescriptor[] = [
  descriptor("create_refund", {
    input_schema: { type: "object", properties: { amount_cents: { type: "integer" } }, required: ["amount_cents"] },
    annotations: { readOnlyHint: false, destructiveHint: false },
  }),
  descriptor("lookup", { annotations: { readOnlyHint: true } }),
];

/** Everything the fake ports hold and were asked, for a test to read or to set up. */
export interface FakeWorld {
  /** Ledger entries in append order, with the ids the ledger gave them. */
  ledger: (LooseLedgerEntryInput & { id: string })[];
  /** Set to make every ledger append fail. */
  ledgerDown: boolean;
  /**
   * Set to break the next appends holding an outcome entry, one per element: `refuse` throws and stores nothing,
   * `lose_reply` stores the entries and throws as if the reply were lost.
   */
  outcomeFaults: ("refuse" | "lose_reply")[];
  /** Outcomes kept for the cron, and the backoff waits asked for (in ms; the fake does not wait). */
  outbox: PendingOutcome[];
  waits: number[];
  audit: AuditRow[];
  /** Decision inputs kept for replay, in the order the calls ended. */
  inputs: DecisionInput[];
  escalations: Escalation[];
  /** Set to make every escalation read or write fail. */
  escalationsDown: boolean;
  /** Approvals given back, as `escalation_id by invocation_id`. */
  released: string[];
  /** Escalations followed up after they opened, and approvals followed up after they were used. */
  followedUp: { opened: Escalation[]; used: Escalation[] };
  /** The alerts the pipeline raised (deferred). */
  alerts: CallAlert[];
  /** The budget thresholds calls crossed (deferred). */
  crossings: BudgetCrossing[];
  /** Budget counters by line key, and reservations by id. */
  counters: Map<string, { spent: number; reserved: number }>;
  reservations: Map<string, { lines: BudgetLine[]; state: "held" | "settled" | "released" }>;
  /** Set to make the budget book unreachable. */
  budgetsDown: boolean;
  /** The tool's Cost in the Tools database. */
  toolCost: number | null;
  /** What the host was asked, and how many ledger entries existed when it was. */
  hostCalls: { tool: string; args: Record<string, unknown>; ledgerEntries: number }[];
  /** What the host answers. */
  hostAnswer: (tool: string, args: Record<string, unknown>) => HostCallResult;
  /** What the moderator answers. */
  moderation: ModerationAnswer;
  /** What the host's circuit answers when a call asks to go (admitted, not as a probe, unless a test says so). */
  circuit: HostAdmission;
  /** What calls reported to the host's circuit. */
  observations: HostObservation[];
}

/** Fake ports over a fresh world; `settled()` waits for the deferred work (audit rows, follow-ups). */
export function fakeDeps(): { deps: PipelineDeps; world: FakeWorld; settled: () => Promise<void> } {
  const world: FakeWorld = {
    ledger: [],
    ledgerDown: false,
    outcomeFaults: [],
    outbox: [],
    waits: [],
    audit: [],
    inputs: [],
    escalations: [],
    escalationsDown: false,
    released: [],
    followedUp: { opened: [], used: [] },
    alerts: [],
    crossings: [],
    counters: new Map(),
    reservations: new Map(),
    budgetsDown: false,
    toolCost: null,
    hostCalls: [],
    hostAnswer: (tool, args) => ({ ok: true, data: { tool, ...args } as never, host_ref: "payments" }),
    moderation: { ok: true, findings: [] },
    circuit: { admitted: true, probe: false },
    observations: [],
  };
  const deferred: Promise<unknown>[] = [];
  const ids = new Map<string, number>();
  let tick = 0;
  const host: Host = {
    id: "payments",
    kind: "demo",
    label: "Payments (demo host)",
    listTools: async () => TOOLS,
    call: async (tool, args) => {
      world.hostCalls.push({ tool, args, ledgerEntries: world.ledger.length });
      return world.hostAnswer(tool, args);
    },
  };
  const deps: PipelineDeps = {
    ledger: () => ({
      append: async (_tenant_id, inputs) => {
        if (world.ledgerDown) throw new Error("ledger unavailable");
        const outcome = inputs.find((input) => input.kind === "outcome");
        // Like the ledger Durable Object, an invocation's outcome is appended once: a retry gets what is stored.
        const stored = world.ledger.filter((entry) => entry.invocation_id === outcome?.invocation_id);
        if (outcome && stored.some((entry) => entry.kind === "outcome"))
          return stored.filter((entry) => inputs.some((input) => input.kind === entry.kind)).map((entry) => entry.id);
        const fault = outcome ? world.outcomeFaults.shift() : undefined;
        if (fault === "refuse") throw new Error("ledger reset before the outcome");
        const appended = inputs.map((input) => {
          const id = `led_${world.ledger.length + 1}`;
          world.ledger.push({ ...input, id });
          return id;
        });
        if (fault === "lose_reply") throw new Error("ledger reset after storing the outcome");
        return appended;
      },
    }),
    budgets: () => fakeBudgetBook(world),
    toolCost: async () => world.toolCost,
    escalations: fakeEscalations(world),
    runs: runIds("fake-run-signing-key"),
    audit: { writeAudit: async (row) => void world.audit.push(row) },
    decisionInputs: { keep: async (input) => void world.inputs.push(input) },
    outbox: { keep: async (pending) => void world.outbox.push(pending) },
    wait: async (ms) => void world.waits.push(ms),
    tools: {
      resolve: async (_tenant_id, name) => {
        const found = TOOLS.find((tool) => tool.name === name);
        return found ? { host, descriptor: found } : null;
      },
    },
    hostHealth: {
      admit: async () => world.circuit,
      observe: (_tenant_id, _host, observation) => void world.observations.push(observation),
    },
    validateArguments: (tool, args) => {
      const missing = (tool.input_schema.required ?? []).find((field) => !(field in args));
      return missing ? { ok: false, errors: [{ path: `/${missing}`, message: "is required" }] } : { ok: true };
    },
    now: () => NOW,
    clock: () => ++tick,
    newId: (prefix) => {
      const n = (ids.get(prefix) ?? 0) + 1;
      ids.set(prefix, n);
      return `${prefix}_${n}`;
    },
    defer: (work) => void deferred.push(work),
    escalationOpened: async (escalation) => void world.followedUp.opened.push(escalation),
    moderate: async () => world.moderation,
    approvalUsed: async (escalation) => void world.followedUp.used.push(escalation),
    alerted: async (alert) => void world.alerts.push(alert),
    budgetCrossed: async (_tenant_id, crossings) => void world.crossings.push(...crossings),
  };
  return { deps, world, settled: async () => void (await Promise.allSettled(deferred)) };
}

/** The snapshot of policy rows (keyed by Notion property names), over the default posture. */
export async function snapshotOf(rows: unknown[]): Promise<PolicySnapshot> {
  const { snapshot, rejected } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
  if (rejected.length > 0) throw new Error(`policy rows rejected: ${rejected.map((r) => r.reason).join("; ")}`);
  return snapshot;
}

/** A tools/call of the fake agent. */
export function toolCall(
  snapshot: PolicySnapshot,
  name: string,
  args: unknown,
  meta: Record<string, unknown> = {},
): ToolCall {
  return { principal, snapshot, name, args, meta, client_id: "test-client" };
}

/** A policy row with the usual fields filled in. */
export function policyRow(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    Name: `Policy ${id}`,
    "Policy ID": id,
    Status: "Active",
    "Reason code": id,
    Message: `${id} says so.`,
    ...fields,
  };
}

/** The call's state once validate and caller have let it through (a test fails when one ends it). */
export async function identifiedState(deps: PipelineDeps, call: ToolCall): Promise<Identified> {
  const validated = await validate(deps, startCall(deps, call));
  if (validated.kind === "end") throw new Error(`validate ended the call: ${validated.result.error?.code}`);
  const identified = await caller(deps, validated.state);
  if (identified.kind === "end") throw new Error(`caller ended the call: ${identified.result.denial?.code}`);
  return identified.state;
}

/** The call's state once validate, caller, policy and guards have let it through (a test fails when one ends it). */
export async function screenedState(deps: PipelineDeps, call: ToolCall): Promise<Screened> {
  const decided = policy(await identifiedState(deps, call));
  if (decided.kind === "end") throw new Error(`policy ended the call: ${decided.result.denial?.code}`);
  const screened = await guards(deps, decided.state);
  if (screened.kind === "end") throw new Error(`guards ended the call: ${screened.result.denial?.code}`);
  return screened.state;
}

/** An escalation on file for `state`'s exact call, in `status`. */
export function escalationOnFile(
  world: FakeWorld,
  state: Screened,
  status: Escalation["status"],
  fields: Partial<Escalation> = {},
): Escalation {
  const escalation: Escalation = {
    id: `esc_on_file_${world.escalations.length + 1}`,
    tenant_id: principal.tenant.id,
    agent_id: principal.agent.id,
    tool: state.name,
    args_hash: state.args_hash,
    invocation_id: "inv_earlier",
    status,
    reason_code: state.decision.reason_code,
    message: state.decision.message,
    policy_ids: state.decision.policy_ids,
    policy_count: state.decision.policy_count,
    approvers: ["manager@acme.test"],
    requested_for: null,
    snapshot: state.decision.snapshot,
    created_at: "2026-12-06T11:00:00.000Z",
    expires_at: "2026-12-07T11:00:00.000Z",
    decided_by: status === "pending" ? null : "manager@acme.test",
    decided_at: status === "pending" ? null : "2026-12-06T11:30:00.000Z",
    executed_at: null,
    executed_invocation_id: null,
    ...fields,
  };
  world.escalations.push(escalation);
  return escalation;
}
