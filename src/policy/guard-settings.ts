/**
 * The columns that cost, privacy and content policies add to a Policies row, parsed into one `GuardSettings` value.
 * These rows do not decide a call by matching it: they guard it. A cost row caps spend, a privacy row looks for PII
 * in the arguments, a content row looks for terms; the row's Mode applies only when the guard is hit.
 */
import {
  BUDGET_SCOPES,
  BUDGET_UNITS,
  BUDGET_WINDOWS,
  type BudgetScope,
  type BudgetUnit,
  type BudgetWindow,
} from "../budgets";
import { compileCustomPattern, DETECTOR_NAMES, type DetectorName } from "../redaction";
import { compileCost } from "./cel";
import type { PolicyType } from "./types";

/** A cost row: spend per `per` over `window` stops at `cap` units. */
export interface CostSettings {
  kind: "cost";
  cap: number;
  unit: BudgetUnit;
  window: BudgetWindow;
  per: BudgetScope;
  /** CEL giving a call's cost in cents (`args.amount_cents`); empty: the tool's Cost from the Tools database. */
  cost: string;
}

/** A privacy row: which detectors look at the arguments, plus an optional custom pattern. */
export interface PrivacySettings {
  kind: "privacy";
  /** Empty means every built-in detector. */
  detectors: DetectorName[];
  /** A custom regex (checked by compileCustomPattern); empty means none. */
  pattern: string;
}

/**
 * A content row: terms that trip it, terms that excuse a match, whether results are checked too, and what a Claude
 * moderation pass should flag in the arguments.
 */
export interface ContentSettings {
  kind: "content";
  /** Plain terms (case-insensitive) or `/regex/` patterns. */
  deny: string[];
  allow: string[];
  results: boolean;
  /** What Claude should flag, in a manager's words; empty means no moderation pass (src/guards/moderation.ts). */
  moderation: string;
}

export type GuardSettings = CostSettings | PrivacySettings | ContentSettings;

/** How long a content row's Moderation guidance may be. */
export const MAX_MODERATION_GUIDANCE = 1_000;

/** The Types that guard a call rather than decide it. */
export const GUARD_TYPES = ["cost", "privacy", "content"] as const satisfies readonly PolicyType[];

export function isGuardType(type: PolicyType): type is GuardSettings["kind"] {
  return (GUARD_TYPES as readonly string[]).includes(type);
}

/** The guard columns as flat Notion values (blank values already `undefined`). */
export interface GuardColumns {
  Cap?: number;
  Unit?: string;
  Window?: string;
  Per?: string;
  Cost?: string;
  Detectors: string[];
  Pattern?: string;
  "Deny terms"?: string;
  "Allow terms"?: string;
  "Check results"?: boolean;
  Moderation?: string;
}

/** An issue in one column, as `Column: what is wrong and what to do`. */
export interface ColumnIssue {
  column: string;
  message: string;
}

/** A term: a `/pattern/` (kept whole, commas and all) or plain text up to the next comma or line break. */
const TERM = /\s*(\/(?:[^/\\\n]|\\.)+\/(?=\s*(?:,|\n|$))|[^,\n]+)/g;

/** Splits a terms column on commas and new lines; a term in slashes (`/…/`) is a pattern and keeps its commas. */
export function splitTerms(text: string | undefined): string[] {
  if (!text) return [];
  const terms = [...text.matchAll(TERM)].map((match) => match[1]!.trim()).filter((term) => term.length > 0);
  return [...new Set(terms)];
}

/** A `/…/` term's pattern source, or null for a plain term. */
export function patternOf(term: string): string | null {
  return term.length > 2 && term.startsWith("/") && term.endsWith("/") ? term.slice(1, -1) : null;
}

function choice<T extends string>(
  column: string,
  value: string | undefined,
  values: readonly T[],
  fallback: T,
  issues: ColumnIssue[],
): T {
  if (value === undefined) return fallback;
  if ((values as readonly string[]).includes(value)) return value as T;
  issues.push({ column, message: `${JSON.stringify(value)} is not one of ${values.join(", ")}` });
  return fallback;
}

function termIssues(column: string, terms: string[], issues: ColumnIssue[]): void {
  for (const term of terms) {
    const source = patternOf(term);
    if (source === null) continue;
    const compiled = compileCustomPattern(source);
    if (!compiled.ok) issues.push({ column, message: `${term}: ${compiled.reason}` });
  }
}

/** The settings a guard row's columns give, with an issue for every column a manager must fix. */
export function guardSettings(
  type: GuardSettings["kind"],
  columns: GuardColumns,
): { settings: GuardSettings; issues: ColumnIssue[] } {
  const issues: ColumnIssue[] = [];
  switch (type) {
    case "cost": {
      const cap = columns.Cap;
      if (cap === undefined)
        issues.push({ column: "Cap", message: "is empty; set the most the window allows, in the Unit" });
      else if (!Number.isInteger(cap) || cap < 0)
        issues.push({ column: "Cap", message: `${cap} is not a whole number of 0 or more` });
      const unit = choice("Unit", columns.Unit, BUDGET_UNITS, "usd_cents", issues);
      const cost = columns.Cost ?? "";
      if (cost !== "") {
        if (unit === "calls")
          issues.push({ column: "Cost", message: "applies to usd_cents caps; a calls cap counts each call as 1" });
        const compiled = compileCost(cost);
        if (!compiled.ok) issues.push({ column: "Cost", message: compiled.error });
      }
      return {
        settings: {
          kind: "cost",
          cap: cap ?? 0,
          unit,
          window: choice("Window", columns.Window, BUDGET_WINDOWS, "day", issues),
          per: choice("Per", columns.Per, BUDGET_SCOPES, "agent", issues),
          cost,
        },
        issues,
      };
    }
    case "privacy": {
      const detectors: DetectorName[] = [];
      for (const name of columns.Detectors) {
        if ((DETECTOR_NAMES as readonly string[]).includes(name)) detectors.push(name as DetectorName);
        else
          issues.push({
            column: "Detectors",
            message: `${JSON.stringify(name)} is not a detector; use ${DETECTOR_NAMES.join(", ")}`,
          });
      }
      const pattern = columns.Pattern ?? "";
      if (pattern !== "") {
        const compiled = compileCustomPattern(pattern);
        if (!compiled.ok) issues.push({ column: "Pattern", message: compiled.reason });
      }
      return { settings: { kind: "privacy", detectors, pattern }, issues };
    }
    case "content": {
      const deny = splitTerms(columns["Deny terms"]);
      const allow = splitTerms(columns["Allow terms"]);
      const moderation = columns.Moderation?.trim() ?? "";
      if (deny.length === 0 && moderation === "")
        issues.push({
          column: "Deny terms",
          message:
            "is empty; list the terms or /patterns/ this policy looks for, or say in Moderation what Claude should flag",
        });
      if (moderation.length > MAX_MODERATION_GUIDANCE)
        issues.push({
          column: "Moderation",
          message: `is ${moderation.length} characters; say what to flag in at most ${MAX_MODERATION_GUIDANCE}`,
        });
      termIssues("Deny terms", deny, issues);
      termIssues("Allow terms", allow, issues);
      const results = columns["Check results"] === true;
      return { settings: { kind: "content", deny, allow, results, moderation }, issues };
    }
  }
}
