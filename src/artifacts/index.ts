/** The operating artifacts: four files rendered from a tenant's live state (docs/artifacts.md). */
import { AGENT_CONTRACT, renderAgentContract } from "./agent-contract";
import { MCP_CONTRACT, renderMcpContract } from "./mcp-contract";
import { OUTCOME_CONTRACT, renderOutcomeContract } from "./outcome-contract";
import { RUNBOOK, renderRunbook } from "./runbook";
import type { ArtifactState } from "./state";

export type { ArtifactState } from "./state";
export { gatherArtifactState } from "./gather";

/** Each artifact's file name, its renderer and its content type. */
export const ARTIFACTS = {
  [MCP_CONTRACT]: { render: renderMcpContract, type: "application/yaml; charset=utf-8" },
  [AGENT_CONTRACT]: { render: renderAgentContract, type: "application/yaml; charset=utf-8" },
  [OUTCOME_CONTRACT]: { render: renderOutcomeContract, type: "text/markdown; charset=utf-8" },
  [RUNBOOK]: { render: renderRunbook, type: "text/markdown; charset=utf-8" },
} as const satisfies Record<string, { render: (state: ArtifactState) => string; type: string }>;

/** An artifact's file name. */
export type ArtifactName = keyof typeof ARTIFACTS;

/** The artifact names, in a fixed order. */
export const ARTIFACT_NAMES = Object.keys(ARTIFACTS) as ArtifactName[];

/** Whether `name` is an artifact's file name. */
export function isArtifactName(name: string): name is ArtifactName {
  return Object.hasOwn(ARTIFACTS, name);
}
