import { describe, expect, it } from "vitest";
import type { PipelineDeps } from "../../src/pipeline/ports";
import { runToolCall } from "../../src/pipeline/run";
import { fakeDeps, policyRow, snapshotOf, toolCall, type FakeWorld } from "./fake-deps";

const REFUND = "payments.create_refund";

const refundCap = policyRow("refund_cap", {
  Type: "cost",
  Mode: "block",
  Tools: REFUND,
  Cap: 1_000_000,
  Unit: "usd_cents",
  Window: "day",
  Per: "agent",
  Cost: "args.amount_cents",
});

const bigRefunds = policyRow("big_refund", {
  Type: "approval",
  Mode: "pause",
  Tools: REFUND,
  Condition: "args.amount_cents > 50000",
  Approvers: ["manager@acme.test"],
});

/** The kinds of the ledger entries of one invocation, in order. */
const kinds = (world: FakeWorld, invocation_id: string) =>
  world.ledger.filter((entry) => entry.invocation_id === invocation_id).map((entry) => entry.kind);

interface Fault {
  name: string;
  rows: unknown[];
  amount: number;
  /** Breaks one port (or the host's answer) so that it throws where it should have returned a value. */
  breakIt: (deps: PipelineDeps, world: FakeWorld) => void;
  outcome: string;
  code: string | null;
  hostCalls: number;
}

const faults: Fault[] = [
  {
    name: "a host result that throws when it is read ends failed internal_error, not retryable, after one run",
    rows: [],
    amount: 100,
    breakIt: (_deps, world) => {
      world.hostAnswer = () => ({
        ok: true,
        data: Object.defineProperty({}, "boom", {
          enumerable: true,
          get() {
            throw new Error("a getter exploded");
          },
        }) as never,
        host_ref: "payments",
      });
    },
    outcome: "failed",
    code: "internal_error",
    hostCalls: 1,
  },
  {
    name: "a budget book whose settle throws after the host ran still lets the call succeed",
    rows: [refundCap],
    amount: 100,
    breakIt: (deps) => {
      const book = deps.budgets;
      deps.budgets = (tenant_id) => ({
        ...book(tenant_id),
        settle: () => {
          throw new Error("settle exploded");
        },
      });
    },
    outcome: "succeeded",
    code: null,
    hostCalls: 1,
  },
  {
    name: "a defer that throws for every follow-up still answers and records the call",
    rows: [refundCap],
    amount: 100,
    breakIt: (deps) => {
      deps.defer = () => {
        throw new Error("waitUntil exploded");
      };
    },
    outcome: "succeeded",
    code: null,
    hostCalls: 1,
  },
  {
    name: "an audit log that throws before it starts still answers and records the call",
    rows: [],
    amount: 100,
    breakIt: (deps) => {
      deps.audit = {
        writeAudit: () => {
          throw new Error("audit exploded");
        },
      };
    },
    outcome: "succeeded",
    code: null,
    hostCalls: 1,
  },
  {
    name: "an argument validator that throws ends failed internal_error, and nothing runs",
    rows: [],
    amount: 100,
    breakIt: (deps) => {
      deps.validateArguments = () => {
        throw new RangeError("Maximum call stack size exceeded");
      };
    },
    outcome: "failed",
    code: "internal_error",
    hostCalls: 0,
  },
  {
    name: "an escalations port that throws instead of rejecting ends failed, and nothing runs",
    rows: [bigRefunds],
    amount: 60_000,
    breakIt: (deps) => {
      const throwing = () => {
        throw new Error("escalations exploded");
      };
      deps.escalations = {
        ...deps.escalations,
        useApprovalOnFile: throwing,
        openEscalation: throwing,
      };
    },
    outcome: "failed",
    code: null,
    hostCalls: 0,
  },
  {
    name: "a budget book that throws instead of answering a reservation ends failed internal_error, and nothing runs",
    rows: [refundCap],
    amount: 100,
    breakIt: (deps) => {
      deps.budgets = () => {
        throw new Error("no budget book");
      };
    },
    outcome: "failed",
    code: "internal_error",
    hostCalls: 0,
  },
  {
    name: "a moderator that throws although it promised not to ends failed internal_error, and nothing runs",
    rows: [policyRow("words", { Type: "content", Mode: "block", Tools: REFUND, Moderation: "Flag threats." })],
    amount: 100,
    breakIt: (deps) => {
      deps.moderate = () => {
        throw new Error("moderator exploded");
      };
    },
    outcome: "failed",
    code: "internal_error",
    hostCalls: 0,
  },
];

describe("a stage or port that throws unexpectedly", () => {
  it.for(faults)("$name", async ({ rows, amount, breakIt, outcome, code, hostCalls }) => {
    const { deps, world, settled } = fakeDeps();
    breakIt(deps, world);
    const result = await runToolCall(deps, toolCall(await snapshotOf(rows), REFUND, { amount_cents: amount }));
    await settled();
    expect(result.outcome.outcome).toBe(outcome);
    if (code) expect(result.outcome.error).toMatchObject({ code, retryable: hostCalls === 0 });
    expect(world.hostCalls).toHaveLength(hostCalls);
    expect(kinds(world, result.outcome.invocation_id)).toEqual(["decision", "outcome"]);
    const outcomeEntry = world.ledger.find((entry) => entry.kind === "outcome")!;
    expect(outcomeEntry.body).toMatchObject({ outcome, error_code: result.outcome.error?.code ?? null });
    expect(result.outcome.evidence_ids).toEqual(world.ledger.map((entry) => entry.id));
  });
});
