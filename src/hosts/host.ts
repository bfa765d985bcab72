import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import type { JsonValue } from "../ledger/canonical";
import type { ToolAnnotations } from "../policy/types";

/** A JSON Schema object describing a tool's arguments (`type: "object"` at the top). */
export type JsonSchemaObject = { type: "object"; properties?: Record<string, unknown>; required?: string[] } & Record<
  string,
  unknown
>;

/** One tool in a tenant's catalog, named `host.tool`. */
export interface ToolDescriptor {
  /** `host.tool`, e.g. `payments.create_refund`. */
  name: string;
  /** The host's namespace, e.g. `payments`. */
  host: string;
  /** The tool's name on its host, e.g. `create_refund`. */
  tool: string;
  title: string | null;
  description: string;
  input_schema: JsonSchemaObject;
  /** The upstream's own `outputSchema` for its structured result, when it publishes one. */
  output_schema?: JsonSchemaObject;
  annotations: ToolAnnotations;
  version: string;
  /** Whether the host is a built-in demo host (shown as such to users). */
  demo: boolean;
}

/** Who is calling a host: the pipeline passes these, never the agent's own key. */
export interface HostCallContext {
  tenant_id: string;
  invocation_id: string;
  /** Aborts the call when the per-call deadline passes. */
  signal: AbortSignal;
}

/**
 * A host's answer. A host that is down or too slow gives `host_unavailable` (retryable), never a denial; one whose
 * answer is too large to read gives `result_unusable`.
 */
export type HostCallResult =
  | {
      ok: true;
      data: JsonValue;
      /** The content blocks an upstream MCP tool returned (text, image, audio, resource links, resources). */
      content?: ContentBlock[];
      host_ref: string;
      cost_cents?: number;
    }
  | {
      ok: false;
      error: {
        code: "host_unavailable" | "host_error" | "host_rejected" | "result_unusable";
        message: string;
        retryable: boolean;
      };
      host_ref: string;
    };

/**
 * How a host's circuit breaker judges it (docs/hosts.md, "Host health"); an unset field takes its default. The
 * circuit opens when the window (the last `window_calls` calls within `window_ms`) holds at least `min_failures`
 * failures making at least `failure_rate` of it, and lets one probe call through `cooldown_ms` after it opened.
 */
export interface CircuitSettings {
  window_calls?: number;
  window_ms?: number;
  min_failures?: number;
  failure_rate?: number;
  cooldown_ms?: number;
}

/** A downstream system tools run on. Only the pipeline calls `call`. */
export interface Host {
  /** The namespace its tools appear under. */
  readonly id: string;
  readonly kind: "demo" | "mcp";
  /** Shown to users, e.g. `Payments (demo host)`. */
  readonly label: string;
  /** Its circuit breaker's settings, where they differ from the defaults. */
  readonly circuit?: CircuitSettings;
  /** Its per-call deadline in milliseconds, when it has one (a probe's slot is held a little longer). */
  readonly timeout_ms?: number;
  listTools(): Promise<ToolDescriptor[]>;
  /** `tool` is the host-local name (without the namespace). */
  call(tool: string, args: Record<string, unknown>, ctx: HostCallContext): Promise<HostCallResult>;
}
