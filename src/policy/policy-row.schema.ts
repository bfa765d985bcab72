/**
 * One row of the Notion Policies database, keyed by Notion property names with flat values, parsed into a
 * normalised PolicyRow. Every issue reads `<Column>: <what is wrong and what to do>`.
 */
import { z } from "zod";
import { compileCondition } from "./cel";
import { isValidToolPattern, splitToolPatterns } from "./glob";
import { guardSettings, isGuardType, type GuardSettings } from "./guard-settings";
import type { PolicyMode, PolicyStatus, PolicyType } from "./types";

/** Every Type a row may name, and the Modes each enforced Type allows. */
export const POLICY_TYPES = ["allow", "block", "approval", "cost", "privacy", "content", "compliance"] as const;
/** Every Mode, strongest first. `redact` (privacy and content rows) lets the call run with the matches replaced. */
export const POLICY_MODES = ["block", "pause", "redact", "alert", "log"] as const;
/** Every Status. */
export const POLICY_STATUSES = ["Draft", "Shadow", "Active", "Retired"] as const;

/** The Modes each Type accepts. */
export const MODES_BY_TYPE: Record<PolicyType, readonly PolicyMode[]> = {
  allow: ["log", "alert"],
  block: ["block", "alert", "log"],
  approval: ["pause", "alert", "log"],
  compliance: ["log", "alert"],
  cost: ["block", "pause", "alert", "log"],
  privacy: ["block", "redact", "alert", "log"],
  content: ["block", "pause", "redact", "alert", "log"],
};

/** The reason code a row of each Type gives when its Reason code column is empty. */
export const DEFAULT_REASON: Record<PolicyType, string> = {
  allow: "policy_allowed",
  block: "policy_blocked",
  approval: "approval_required",
  compliance: "compliance_tagged",
  cost: "budget_exhausted",
  privacy: "pii_detected",
  content: "content_flagged",
};

/** Longest Name, in characters: it shows in tools/list summaries, approval pages and the audit log. */
export const MAX_NAME_LENGTH = 200;
/** Longest Message, in characters (Notion's limit for one rich-text run). */
export const MAX_MESSAGE_LENGTH = 2000;
/** Most tool patterns in one Tools cell: each call's candidate lookup reads them all. */
export const MAX_TOOL_PATTERNS = 100;
/** Longest tool pattern, in characters (tool names are cut at 200 where they are recorded). */
export const MAX_TOOL_PATTERN_LENGTH = 200;
/** Most names in one Agents, Scopes, Users, Approvers, Tags, Channels or Detectors cell. */
export const MAX_NAMES = 100;
/** Longest name in those cells, in characters (Notion's limit for a select option). */
export const MAX_NAME_ENTRY_LENGTH = 100;

/** What a Policy ID may be: 1 to 64 lower-case letters, digits, `_` or `-`, starting with a letter or digit. */
export const POLICY_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Control and format characters (zero-width, bidirectional overrides) but line breaks and tabs: they hide or reorder what a reader sees. */
const INVISIBLE = /(?![\n\t])[\p{Cc}\p{Cf}]/u;
const REASON_CODE = /^[a-z][a-z0-9_]{0,63}$/;
/** What a notification channel's name may be: 1 to 64 lower-case letters, digits, `_` or `-`, starting with a letter or digit. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function blankToUndefined(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" && value.trim() === "") return undefined;
  return value;
}

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : String(value);
}

function requiredText(hint: string) {
  return z.preprocess(
    blankToUndefined,
    z
      .string({
        error: (issue) => (issue.input === undefined ? `is empty; ${hint}` : `${shown(issue.input)} is not text`),
      })
      .trim(),
  );
}

/** Text shown to people: bounded, and free of characters that would hide or reorder what they read. */
function shownText<T extends z.ZodType<string | undefined>>(text: T, max: number): T {
  return text.superRefine((value: string | undefined, ctx) => {
    if (value === undefined) return;
    if (value.length > max)
      ctx.addIssue({ code: "custom", message: `is ${value.length} characters long; keep it to ${max}` });
    const hidden = INVISIBLE.exec(value)?.[0];
    if (hidden !== undefined)
      ctx.addIssue({
        code: "custom",
        message: `holds an invisible or control character (U+${hidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}); remove it`,
      });
  });
}

function optionalText() {
  return z.preprocess(
    blankToUndefined,
    z
      .string({ error: (issue) => `${shown(issue.input)} is not text` })
      .trim()
      .optional(),
  );
}

function select<const T extends readonly [string, ...string[]]>(values: T) {
  const list = values.join(", ");
  return z.preprocess(
    (value) => (typeof value === "string" ? blankToUndefined(value.trim()) : blankToUndefined(value)),
    z.enum(values, {
      error: (issue) =>
        issue.input === undefined ? `is empty; choose one of ${list}` : `${shown(issue.input)} is not one of ${list}`,
    }),
  );
}

const multiSelect = z.preprocess(
  (value) => {
    const present = blankToUndefined(value);
    if (present === undefined) return [];
    return typeof present === "string" ? present.split(",") : present;
  },
  z
    .array(z.string({ error: (issue) => `${shown(issue.input)} is not a name` }), {
      error: (issue) => `${shown(issue.input)} is not a list of names`,
    })
    .transform((names) => [...new Set(names.map((name) => name.trim()).filter((name) => name.length > 0))])
    .superRefine((names, ctx) => {
      if (names.length > MAX_NAMES)
        ctx.addIssue({ code: "custom", message: `lists ${names.length} names; keep it to ${MAX_NAMES}` });
      const long = names.find((name) => name.length > MAX_NAME_ENTRY_LENGTH);
      if (long !== undefined)
        ctx.addIssue({
          code: "custom",
          message: `"${long.slice(0, 40)}…" is ${long.length} characters long; keep each name to ${MAX_NAME_ENTRY_LENGTH}`,
        });
    }),
);

const tools = requiredText("list tool patterns such as payments.* or crm.update_contact").transform((text, ctx) => {
  const patterns = splitToolPatterns(text);
  if (patterns.length > MAX_TOOL_PATTERNS) {
    ctx.addIssue({
      code: "custom",
      message: `lists ${patterns.length} tool patterns; keep it to ${MAX_TOOL_PATTERNS} (a wildcard such as payments.* covers a host)`,
    });
    return [];
  }
  for (const pattern of patterns) {
    if (pattern.length > MAX_TOOL_PATTERN_LENGTH)
      ctx.addIssue({
        code: "custom",
        message: `a pattern of ${pattern.length} characters is longer than ${MAX_TOOL_PATTERN_LENGTH}`,
      });
    else if (!isValidToolPattern(pattern))
      ctx.addIssue({
        code: "custom",
        message: `${shown(pattern)} is not a valid tool pattern; use letters, digits, _ - . and the wildcards * and ?`,
      });
  }
  if (patterns.length === 0)
    ctx.addIssue({ code: "custom", message: "is empty; list tool patterns such as payments.*" });
  return [...new Set(patterns)];
});

const condition = optionalText().superRefine((source, ctx) => {
  if (source === undefined) return;
  const compiled = compileCondition(source);
  if (!compiled.ok) ctx.addIssue({ code: "custom", message: compiled.error });
});

const optionalNumber = z.preprocess(
  (value) => {
    const present = blankToUndefined(value);
    return typeof present === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(present) ? Number(present) : present;
  },
  z
    .number({ error: (issue) => `${shown(issue.input)} is not a number` })
    .refine(Number.isFinite, "must be a finite number")
    .optional(),
);

const priority = z.preprocess(
  (value) => {
    const present = blankToUndefined(value);
    if (present === undefined) return 0;
    return typeof present === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(present) ? Number(present) : present;
  },
  z
    .number({ error: (issue) => `${shown(issue.input)} is not a number` })
    .refine(Number.isFinite, "must be a finite number"),
);

/** A Policies row as Notion properties → the normalised row the compiler uses. Unknown properties are ignored. */
export const policyRowSchema = z
  .object({
    Name: shownText(requiredText("give the policy a name agents and approvers will see"), MAX_NAME_LENGTH),
    "Policy ID": requiredText("give the policy a stable id such as refund_limit").refine((id) => POLICY_ID.test(id), {
      error: (issue) =>
        `${shown(issue.input)} must be 1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit`,
    }),
    Type: select(POLICY_TYPES),
    Mode: select(POLICY_MODES),
    Status: select(POLICY_STATUSES),
    Tools: tools,
    Agents: multiSelect,
    Scopes: multiSelect,
    Users: multiSelect,
    Approvers: multiSelect,
    Tags: multiSelect,
    Channels: multiSelect.superRefine((names, ctx) => {
      const bad = names.find((name) => !CHANNEL_NAME.test(name));
      if (bad !== undefined)
        ctx.addIssue({
          code: "custom",
          message: `${shown(bad)} is not a channel name; use lower-case letters, digits, _ or - (as policy-os channels list shows)`,
        });
    }),
    Condition: condition,
    Priority: priority,
    "Reason code": optionalText().refine((code) => code === undefined || REASON_CODE.test(code), {
      error: (issue) =>
        `${shown(issue.input)} must be snake_case: lower-case letters, digits and _, starting with a letter, up to 64`,
    }),
    Message: shownText(optionalText(), MAX_MESSAGE_LENGTH),
    // Cost, privacy and content rows (guard-settings.ts reads them; other Types ignore them).
    Cap: optionalNumber,
    Unit: optionalText(),
    Window: optionalText(),
    Per: optionalText(),
    Cost: optionalText(),
    Detectors: multiSelect,
    Pattern: optionalText(),
    "Deny terms": optionalText(),
    "Allow terms": optionalText(),
    Moderation: optionalText(),
    "Check results": z.preprocess(
      blankToUndefined,
      z.boolean({ error: (issue) => `${shown(issue.input)} is not a checkbox` }).optional(),
    ),
  })
  .transform((row, ctx) => {
    if (!isGuardType(row.Type)) return { ...row, guard: undefined };
    const { settings, issues } = guardSettings(row.Type, row);
    for (const issue of issues) ctx.addIssue({ code: "custom", path: [issue.column], message: issue.message });
    return { ...row, guard: settings };
  })
  .superRefine((row, ctx) => {
    const modes = MODES_BY_TYPE[row.Type];
    if (!modes.includes(row.Mode))
      ctx.addIssue({
        code: "custom",
        path: ["Mode"],
        message: `${shown(row.Mode)} does not fit Type ${row.Type}; use ${modes.join(" or ")}`,
      });
  })
  .transform((row): PolicyRow => ({
    policy_id: row["Policy ID"],
    name: row.Name,
    type: row.Type,
    mode: row.Mode,
    status: row.Status,
    tools: row.Tools,
    agents: row.Agents,
    scopes: row.Scopes,
    users: row.Users,
    approvers: row.Approvers,
    tags: row.Tags,
    // Only when named, so the snapshot hashes of rows that name no channel are what they were before the column.
    ...(row.Channels.length > 0 ? { channels: row.Channels } : {}),
    condition: row.Condition ?? "",
    priority: row.Priority,
    reason_code: row["Reason code"] ?? DEFAULT_REASON[row.Type],
    message: row.Message ?? defaultMessage(row.Type, row.Name),
    ...(row.guard ? { guard: row.guard } : {}),
  }));

/** A policy row after parsing: plain data, the unit that snapshot hashes cover. */
export interface PolicyRow {
  policy_id: string;
  name: string;
  type: PolicyType;
  mode: PolicyMode;
  status: PolicyStatus;
  /** Tool patterns, at least one. */
  tools: string[];
  /** Empty means any agent. */
  agents: string[];
  /** Empty means any scope. */
  scopes: string[];
  /** Empty means any user. */
  users: string[];
  approvers: string[];
  tags: string[];
  /** The notification channels an alert of this row goes to (absent: the tenant's default channels). */
  channels?: string[];
  /** CEL; empty means always. */
  condition: string;
  priority: number;
  reason_code: string;
  message: string;
  /** Cost, privacy and content rows only: what the row guards against. */
  guard?: GuardSettings;
}

function defaultMessage(type: PolicyType, name: string): string {
  switch (type) {
    case "block":
      return `Blocked by policy "${name}".`;
    case "approval":
      return `Needs approval under policy "${name}".`;
    case "allow":
      return `Allowed by policy "${name}".`;
    case "cost":
      return `The spending cap of policy "${name}" is reached.`;
    case "privacy":
      return `The arguments hold personal data that policy "${name}" guards.`;
    case "content":
      return `The arguments hold terms that policy "${name}" flags.`;
    default:
      return `Recorded under policy "${name}".`;
  }
}

/** A parsed row, or the reason a manager can act on (`Column: …`, several joined with `; `). */
export type RowParse = { ok: true; row: PolicyRow } | { ok: false; reason: string };

/** Parses one Notion row without throwing. */
export function parsePolicyRow(input: unknown): RowParse {
  const parsed = policyRowSchema.safeParse(input);
  if (parsed.success) return { ok: true, row: parsed.data };
  const reasons = parsed.error.issues.map((issue) => {
    const column = issue.path[0];
    return typeof column === "string" ? `${column}: ${issue.message}` : `Row: must be an object of Notion properties`;
  });
  return { ok: false, reason: [...new Set(reasons)].join("; ") };
}
