import { compilePolicies, type PolicySnapshot } from "../../src/policy/compile";
import {
  DEFAULT_POSTURE,
  type DecisionRequest,
  type DefaultPosture,
  type ToolAnnotations,
} from "../../src/policy/types";

/** A valid Active row with overridable Notion properties. */
export function row(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: "Block refunds",
    "Policy ID": "p1",
    Type: "block",
    Mode: "block",
    Status: "Active",
    Tools: "payments.create_refund",
    ...overrides,
  };
}

/** Compiles rows, failing the test if any is rejected. */
export async function snapshotOf(
  rows: Record<string, unknown>[],
  posture: DefaultPosture = DEFAULT_POSTURE,
): Promise<PolicySnapshot> {
  const { snapshot, rejected } = await compilePolicies(rows, { posture });
  if (rejected.length > 0) throw new Error(`unexpected rejections: ${JSON.stringify(rejected)}`);
  return snapshot;
}

/** Read-only, write, destructive and unannotated annotations. */
export const ANNOTATIONS = {
  read_only: { readOnlyHint: true },
  write: { readOnlyHint: false, destructiveHint: false },
  destructive: { readOnlyHint: false, destructiveHint: true },
  unannotated: {},
} satisfies Record<string, ToolAnnotations>;

interface RequestOverrides {
  tool?: string;
  annotations?: ToolAnnotations;
  agent?: Partial<DecisionRequest["agent"]>;
  args?: Record<string, unknown>;
  context?: Partial<DecisionRequest["context"]>;
}

/** A call by agent `refund-bot` (owner ana@example.com, scope `support`) to a write tool. */
export function request(overrides: RequestOverrides = {}): DecisionRequest {
  const tool = overrides.tool ?? "payments.create_refund";
  return {
    tool: { name: tool, host: tool.split(".")[0] ?? tool, annotations: overrides.annotations ?? ANNOTATIONS.write },
    agent: { id: "agt_1", name: "refund-bot", owner: "ana@example.com", scopes: ["support"], ...overrides.agent },
    args: overrides.args ?? { amount_cents: 1000 },
    context: {
      user: null,
      workspace: null,
      correlation_id: null,
      session_id: null,
      run_id: null,
      now: "2026-07-06T10:00:00Z",
      ...overrides.context,
    },
  };
}
