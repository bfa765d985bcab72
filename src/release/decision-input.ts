/** What one call's decision was made from, kept so a candidate snapshot can be decided against it again (replay). */
import { z } from "zod";
import type { AgentFacts, CallContext, Decision, ToolFacts } from "../policy/types";

/** A recorded decision input: decide()'s request with its arguments redacted, and what was decided. */
export interface DecisionInput {
  tenant_id: string;
  invocation_id: string;
  created_at: string;
  /** decide()'s request besides the arguments: the tool, the agent, the verified context. */
  facts: { tool: ToolFacts; agent: AgentFacts; context: CallContext };
  /** The arguments as every record shows them: PII replaced by `[REDACTED:<detector>]`. */
  args: Record<string, unknown>;
  /** The redaction paths (`$.customer.email`) whose values are not the originals: a condition reading one is indeterminate. */
  redacted: string[];
  args_hash: string;
  /** What the call's records say was decided, and why. */
  decision: Decision["decision"];
  reason_code: string;
  /** The snapshot that decided it. */
  snapshot: string;
}

/** The facts part of a stored input, parsed when read back (rows written by an older version are skipped, not guessed). */
export const storedFactsSchema = z.object({
  tool: z.object({ name: z.string(), host: z.string(), annotations: z.record(z.string(), z.unknown()) }),
  agent: z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), scopes: z.array(z.string()) }),
  context: z.object({
    user: z.string().nullable(),
    workspace: z.string().nullable(),
    correlation_id: z.string().nullable(),
    session_id: z.string().nullable(),
    run_id: z.string().nullable(),
    now: z.string(),
  }),
});
