import type { DefaultPosture, ToolAnnotations } from "./types";

/** The kind of tool the default posture distinguishes, read from its MCP annotations. */
export type ToolClass = keyof DefaultPosture;

/** What the default posture does with a call no policy decided. */
export type PostureEffect = DefaultPosture[ToolClass];

/** Classifies a tool: readOnlyHint true → read_only; false with destructiveHint false → write; unknown → unannotated. */
export function toolClassOf(annotations: ToolAnnotations | undefined): ToolClass {
  const readOnly = annotations?.readOnlyHint;
  const destructive = annotations?.destructiveHint;
  if (readOnly === true) return "read_only";
  if (destructive === true) return "destructive";
  if (destructive === false) return "write";
  if (readOnly === false) return "destructive";
  return "unannotated";
}

const CLASS_NOUN: Record<ToolClass, string> = {
  read_only: "read-only tools",
  write: "write tools",
  destructive: "destructive tools",
  unannotated: "tools without annotations",
};

const EFFECT_VERB: Record<PostureEffect, string> = {
  allow: "run at once",
  hold: "wait for approval",
  deny: "are denied",
};

/** A phrase such as `read-only tools run at once`. */
export function postureClause(toolClass: ToolClass, effect: PostureEffect): string {
  return `${CLASS_NOUN[toolClass]} ${EFFECT_VERB[effect]}`;
}

/** The Decision reason code of each posture effect. */
export const POSTURE_REASON: Record<PostureEffect, string> = {
  allow: "default_allow",
  hold: "default_hold",
  deny: "default_deny",
};
