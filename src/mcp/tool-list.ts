import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "../db/tenancy";
import type { CircuitViews } from "../hosts";
import type { ToolDescriptor } from "../hosts/host";
import type { PolicySnapshot } from "../policy";
import { toolPolicyState } from "../policy";
import { availabilityLine, availabilityOf } from "./availability";
import { visibleTools } from "./features";
import { GOVERNANCE_TOOLS } from "./governance-tools";
import { outputSchemaFor } from "./output-schema";

/** `_meta` keys Policy OS puts on listed tools. */
export const META = {
  version: "policy-os/version",
  policyState: "policy-os/policy_state",
  availability: "policy-os/availability",
  demoHost: "policy-os/demo_host",
} as const;

/**
 * The tools an agent may see, each with its policy state for this agent in the description and in `_meta`, then the
 * governance tools every agent sees. Availability (its host's circuit, `circuits`, read at `now`) sits beside the
 * policy state, never in its place: a tool whose host is failing stays listed with the policy state it has.
 */
export function toolsFor(
  catalog: ToolDescriptor[],
  principal: Principal,
  snapshot: PolicySnapshot,
  circuits: CircuitViews = {},
  now: number = Date.now(),
): Tool[] {
  const { agent } = principal;
  const facts = { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes };
  const hosted = visibleTools(catalog, principal).map((tool) => {
    const state = toolPolicyState(snapshot, { name: tool.name, host: tool.host, annotations: tool.annotations }, facts);
    const availability = availabilityOf(circuits[tool.host], now);
    return {
      name: tool.name,
      ...(tool.title ? { title: tool.title } : {}),
      description: `${tool.description}\n\nPolicy state: ${state.summary}.${availabilityLine(tool.host, availability)}`,
      inputSchema: tool.input_schema as Tool["inputSchema"],
      outputSchema: outputSchemaFor(tool),
      annotations: tool.annotations,
      _meta: {
        [META.version]: tool.version,
        [META.policyState]: { state: state.state, policies: state.policies, summary: state.summary },
        [META.availability]: availability,
        ...(tool.demo ? { [META.demoHost]: true } : {}),
      },
    };
  });
  return [...hosted, ...GOVERNANCE_TOOLS];
}
