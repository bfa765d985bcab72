import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDescriptor } from "../hosts/host";
import { safeSchema } from "../hosts";

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: "null" }] });
const reason = {
  type: "object",
  required: ["code", "message", "retryable"],
  properties: {
    code: { type: "string" },
    message: { type: "string" },
    retryable: { type: "boolean" },
    details: { type: "object" },
  },
};

/**
 * The outcome contract (src/pipeline/outcome.ts) as a JSON Schema, with `data` as `data` says: every tools/call's
 * `structuredContent`, whatever the outcome, so a client that validates structured content accepts a denial or a
 * held call as well as a result.
 */
export function outcomeSchema(data: Record<string, unknown>): NonNullable<Tool["outputSchema"]> {
  return {
    type: "object",
    required: [
      "invocation_id",
      "capability_id",
      "capability_version",
      "correlation",
      "outcome",
      "status",
      "success",
      "data",
      "error",
      "denial",
      "escalation_id",
      "decision",
      "evidence_ids",
      "started_at",
      "completed_at",
    ],
    properties: {
      invocation_id: { type: "string" },
      capability_id: { type: "string" },
      capability_version: { type: ["string", "null"] },
      correlation: {
        type: "object",
        required: ["correlation_id", "session_id", "run_id"],
        properties: {
          correlation_id: { type: ["string", "null"] },
          session_id: { type: ["string", "null"] },
          run_id: { type: ["string", "null"] },
        },
      },
      outcome: { enum: ["succeeded", "denied", "pending_approval", "failed", "invalid"] },
      status: { enum: ["authorized", "action_required", "denied", "failed", "invalid"] },
      success: { type: "boolean" },
      data,
      error: nullable(reason),
      denial: nullable(reason),
      escalation_id: { type: ["string", "null"] },
      decision: {
        type: "object",
        required: ["decision", "reason_code", "policy_ids", "policy_count", "snapshot"],
        properties: {
          decision: { enum: ["authorized", "escalated", "denied", "invalid"] },
          reason_code: { type: "string" },
          policy_ids: { type: "array", items: { type: "string" } },
          policy_count: { type: "integer", minimum: 0 },
          snapshot: { type: ["string", "null"] },
        },
      },
      evidence_ids: { type: "array", items: { type: "string" } },
      started_at: { type: ["string", "null"] },
      completed_at: { type: "string" },
    },
  };
}

/**
 * A listed tool's `outputSchema`: the outcome contract, its `data` typed by the upstream's own output schema (or null,
 * the data of every outcome but `succeeded`). A tool without one, or whose schema could not be compiled safely (see
 * safe-schema.ts), or that refers to itself by JSON pointer, gets `data` untyped: its clients still validate the
 * outcome around it.
 */
export function outputSchemaFor(tool: ToolDescriptor): NonNullable<Tool["outputSchema"]> {
  const own = tool.output_schema;
  if (!own) return UNTYPED;
  // The catalog is cached per isolate, so each upstream schema is checked once, not on every tools/list.
  let published = publishedSchemas.get(own);
  if (!published) publishedSchemas.set(own, (published = typedBy(own)));
  return published;
}

const UNTYPED = outcomeSchema({});
const publishedSchemas = new WeakMap<object, NonNullable<Tool["outputSchema"]>>();

function typedBy(own: Record<string, unknown>): NonNullable<Tool["outputSchema"]> {
  if (!safeSchema(own).ok) return UNTYPED;
  const { $defs, definitions, $schema: _dialect, $id: _id, ...data } = own;
  // Pointers into the upstream schema's definitions resolve from the root: its definitions move there with it.
  // Any other pointer ("#", "#/properties/...") would now point into the outcome, so such a schema stays untyped.
  if (/"\$ref":"#(?!\/(\$defs|definitions)\/)/.test(JSON.stringify(data))) return UNTYPED;
  return {
    ...outcomeSchema(nullable(data)),
    ...($defs ? { $defs } : {}),
    ...(definitions ? { definitions } : {}),
  };
}
