/** The policy engine's public API: compile Notion rows into a snapshot, decide calls, describe tools. */
export { compilePolicies } from "./compile";
export { compileStoredPolicies, POLICY_ROW_UNUSABLE } from "./stored";
export type { CompiledPolicy, CompileOptions, CompileResult, PolicySnapshot } from "./compile";
export { decide } from "./decide";
export { toolPolicyState } from "./tool-state";
export {
  policyRowSchema,
  parsePolicyRow,
  POLICY_MODES,
  POLICY_STATUSES,
  POLICY_TYPES,
  MODES_BY_TYPE,
  DEFAULT_REASON,
  CHANNEL_NAME,
} from "./policy-row.schema";
export type { PolicyRow, RowParse } from "./policy-row.schema";
export { compileCondition } from "./cel";
export type { CompiledCondition, ConditionOutcome, ConditionVars } from "./cel";
export { isValidToolPattern, matchesGlob, splitToolPatterns } from "./glob";
export { patternOf } from "./guard-settings";
export type { ContentSettings } from "./guard-settings";
export { postureClause, POSTURE_REASON, toolClassOf } from "./posture";
export { admitsAgent } from "./applies-to";
export type { PostureEffect, ToolClass } from "./posture";
export * from "./types";
