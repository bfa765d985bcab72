/**
 * Rows stored while an earlier engine accepted them, compiled by this one. An upgrade can refuse a stored row (a
 * stricter limit, a costlier condition estimate); such a row must still protect what it protected, never silently
 * drop out, so a refused Active `block`, `pause` or `redact` row is replaced by a stand-in that refuses (or, for
 * `pause`, holds) every call to its tools with `policy_row_unusable` until a manager fixes or retires it. Refused
 * rows that only allow, alert or log are left out: leaving them out narrows nothing an agent may do.
 */
import { compilePolicies, type CompileOptions, type PolicySnapshot } from "./compile";
import { isValidToolPattern, splitToolPatterns } from "./glob";
import { MAX_TOOL_PATTERNS, parsePolicyRow, POLICY_ID } from "./policy-row.schema";

/** The reason code of a call stopped by the stand-in for a stored row this engine refuses. */
export const POLICY_ROW_UNUSABLE = "policy_row_unusable";

const PROTECTING_MODES = ["block", "pause", "redact"];

/** The stored rows' snapshot, with a fail-closed stand-in for each protecting row this engine refuses. */
export async function compileStoredPolicies(rows: unknown[], options: CompileOptions): Promise<PolicySnapshot> {
  const usable = rows.flatMap((row, index) => {
    const parsed = parsePolicyRow(row);
    if (parsed.ok) return [row];
    const standIn = standInFor(row, index, parsed.reason);
    return standIn ? [standIn] : [];
  });
  const { snapshot, rejected } = await compilePolicies(usable, options);
  // Stand-ins are built to compile and every other row parsed; a rejection left is a duplicate id among stored rows.
  if (rejected.length > 0) throw new Error(`stored policy rows no longer compile: ${rejected[0]!.reason}`);
  return snapshot;
}

/** A stored row's field as trimmed text ("" when it is not text). */
const text = (row: Record<string, unknown>, field: string) => {
  const value = row[field];
  return typeof value === "string" ? value.trim() : "";
};

function standInFor(input: unknown, index: number, reason: string): Record<string, string> | null {
  if (typeof input !== "object" || input === null) return null;
  const row = input as Record<string, unknown>;
  const mode = text(row, "Mode");
  if (text(row, "Status") !== "Active" || !PROTECTING_MODES.includes(mode)) return null;
  const stated = text(row, "Policy ID");
  const id = POLICY_ID.test(stated) ? stated : `unusable-row-${index + 1}`;
  const patterns = splitToolPatterns(text(row, "Tools"));
  const readable = patterns.length > 0 && patterns.length <= MAX_TOOL_PATTERNS && patterns.every(isValidToolPattern);
  const holds = mode === "pause";
  return {
    Name: `Stand-in for policy ${id}`,
    "Policy ID": id,
    Type: holds ? "approval" : "block",
    Mode: holds ? "pause" : "block",
    Status: "Active",
    // Tools this engine cannot read could be any tool: the stand-in covers every one.
    Tools: readable ? patterns.join(", ") : "*",
    "Reason code": POLICY_ROW_UNUSABLE,
    Message:
      `Policy ${id} no longer compiles (${reason.slice(0, 300)}), so calls it covers are ` +
      `${holds ? "held for approval" : "refused"} until a manager fixes or retires it.`,
  };
}
