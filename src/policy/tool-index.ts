import { hostOf, matchesToolPattern, toToolPattern, type ToolPattern } from "./glob";

/** What the index needs of a policy: its tool patterns and its rank (0 = decides first). */
export interface Indexable {
  readonly tools: readonly string[];
  readonly rank: number;
}

/** Candidate lookup by tool name: exact names and `host.*` patterns from Maps, other globs from a short list. */
export interface ToolIndex<T extends Indexable> {
  /** Policies whose patterns match the tool, in rank order; memoised per name. */
  candidates(toolName: string): readonly T[];
}

/** Most tool names whose candidate lists are kept; the memo starts over when it is full. */
export const CANDIDATE_MEMO_LIMIT = 4096;

/** Builds the index once per snapshot. */
export function buildToolIndex<T extends Indexable>(policies: readonly T[]): ToolIndex<T> {
  const exact = new Map<string, T[]>();
  const byHost = new Map<string, T[]>();
  const globs: { pattern: ToolPattern; policy: T }[] = [];
  const push = (map: Map<string, T[]>, key: string, policy: T) => {
    const list = map.get(key);
    if (list) list.push(policy);
    else map.set(key, [policy]);
  };
  for (const policy of policies) {
    for (const source of policy.tools) {
      const pattern = toToolPattern(source);
      if (pattern.kind === "exact") push(exact, pattern.name, policy);
      else if (pattern.kind === "host") push(byHost, pattern.host, policy);
      else globs.push({ pattern, policy });
    }
  }
  const memo = new Map<string, readonly T[]>();

  function collect(toolName: string): readonly T[] {
    const found = new Set<T>(exact.get(toolName));
    if (toolName.includes(".")) for (const policy of byHost.get(hostOf(toolName)) ?? []) found.add(policy);
    for (const { pattern, policy } of globs) if (matchesToolPattern(pattern, toolName)) found.add(policy);
    return [...found].sort((a, b) => a.rank - b.rank);
  }

  return {
    candidates(toolName) {
      const known = memo.get(toolName);
      if (known) return known;
      const list = collect(toolName);
      if (memo.size >= CANDIDATE_MEMO_LIMIT) memo.clear();
      memo.set(toolName, list);
      return list;
    },
  };
}
