/**
 * What serving resources and prompts needs, for either protocol era, and the rule for which ones an agent sees.
 *
 * The rule: a host's resources, resource templates and prompts are named like its tools, `<ns>.<name>`, and an agent
 * sees one when a pattern of its `allowed_tools` admits that name (`*`, `<ns>.*`, or the exact name). An agent reads
 * or gets only what it would see listed; anything else is refused as not found, the same answer as for a URI or name
 * that does not exist, so refusals say nothing about what is there.
 */
import type { Principal } from "../db/tenancy";
import type { ActiveRunbook, FeatureRead } from "../db/feature-reads";
import type { ToolDescriptor, UpstreamFeatures } from "../hosts";
import { matchesGlob } from "../policy";

/** The ports resources and prompts are served from. */
export interface McpFeatures {
  /** The tenant's upstream MCP hosts. */
  upstreams: UpstreamFeatures;
  /** The tenant's Active runbooks. */
  runbooks(): Promise<ActiveRunbook[]>;
  /** Records a read or get (after the answer; it never fails the request). */
  recordRead(read: Omit<FeatureRead, "id" | "created_at">): void;
}

/** Everything a resources or prompts request reads: the caller, its tools, the ports, its client's name. */
export interface FeatureContext {
  principal: Principal;
  catalog: () => Promise<ToolDescriptor[]>;
  features: McpFeatures;
  client_id: string | null;
}

/** A refusal or failure to answer with: a JSON-RPC error code and a message safe to show the agent. */
export interface FeatureError {
  code: number;
  message: string;
}

/** An answer for the client, or the JSON-RPC error to send instead. */
export type FeatureAnswer<T> = { ok: true; result: T } | { ok: false; error: FeatureError };

/** MCP's "resource not found": a URI the agent may not read, or that does not exist. */
export const RESOURCE_NOT_FOUND = -32002;
/** JSON-RPC "invalid params": a prompt the agent may not get, or that does not exist. */
export const INVALID_PARAMS = -32602;
/** JSON-RPC "internal error": the host asked did not answer. */
export const INTERNAL_ERROR = -32603;

/** Pages of a host's resource, template or prompt list read at most (a longer list is cut there). */
export const MAX_LIST_PAGES = 20;

/** Whether the agent sees host `ns`'s resource, template or prompt named `name` (the rule above). */
export function mayList(principal: Principal, ns: string, name: string): boolean {
  return principal.agent.allowed_tools.some((pattern) => matchesGlob(pattern, `${ns}.${name}`));
}

/** The tools the agent may see (its `allowed_tools` applied to the catalog), as tools/list filters them. */
export function visibleTools(catalog: ToolDescriptor[], principal: Principal): ToolDescriptor[] {
  return catalog.filter((tool) => principal.agent.allowed_tools.some((pattern) => matchesGlob(pattern, tool.name)));
}
