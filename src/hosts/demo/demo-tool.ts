import type { z } from "zod";
import type { JsonValue } from "../../ledger/canonical";
import type { ToolAnnotations } from "../../policy/types";
import type { DemoHostId } from "./demo-ids";

/** What a demo tool runs with: the tenant's D1 state and the invocation it serves. */
export interface DemoToolContext {
  db: D1Database;
  tenant_id: string;
  invocation_id: string;
}

/** A demo tool's answer: data, or a tool error a user can read. */
export type DemoToolResult = { ok: true; data: JsonValue } | { ok: false; message: string };

/** One tool of a demo host: its zod argument schema is the single source of its JSON Schema and its parsing. */
export interface DemoTool<S extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  /** Shown to users after the `[demo host]` prefix. */
  description: string;
  annotations: ToolAnnotations;
  args: S;
  run(args: z.output<S>, ctx: DemoToolContext): Promise<DemoToolResult>;
}

/** A built-in demo host: a namespace, a label and its tools. */
export interface DemoHostDefinition {
  id: DemoHostId;
  /** Shown to users, e.g. `Payments (demo host)`. */
  label: string;
  tools: DemoTool[];
}

/** Declare a demo tool, keeping the link between its schema and its handler's argument type. */
export function demoTool<S extends z.ZodType>(tool: DemoTool<S>): DemoTool {
  return tool as unknown as DemoTool;
}

/** A successful demo tool result. */
export function toolData(data: JsonValue): DemoToolResult {
  return { ok: true, data };
}

/** A demo tool error (the call ran and failed, as a real system would answer). */
export function toolError(message: string): DemoToolResult {
  return { ok: false, message };
}
