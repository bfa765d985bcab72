import { z } from "zod";

/** What a cap counts. */
export const BUDGET_UNITS = ["usd_cents", "calls"] as const;
/** How long a cap's spend accumulates before it starts again (`run`: never). */
export const BUDGET_WINDOWS = ["run", "day", "week", "month"] as const;
/** Whose spend a cap limits. */
export const BUDGET_SCOPES = ["run", "agent", "scope", "workspace"] as const;

/** What a cap counts: whole cents of US dollars, or calls. */
export type BudgetUnit = (typeof BUDGET_UNITS)[number];
/** How long a cap's spend accumulates: one run, a UTC day, an ISO week (from Monday), a UTC month. */
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];
/** Whose spend a cap limits: one run, one agent, one scope, or the whole workspace. */
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

const amount = z.number().int().nonnegative();

/** One cap applied to one call; the caller builds `key` (stable per policy, scope, subject and unit). */
export const budgetLineSchema = z.object({
  key: z.string().min(1).describe("stable per policy + scope + subject + unit; the book adds the window's period"),
  policy_id: z.string().min(1).describe("the cost policy that sets this cap"),
  scope: z.enum(BUDGET_SCOPES),
  subject: z.string().min(1).describe('the run id, agent id, scope name or "workspace"'),
  window: z.enum(BUDGET_WINDOWS),
  unit: z.enum(BUDGET_UNITS),
  limit: amount.describe("the cap, in `unit`"),
  amount: amount.describe("what this call asks for, in `unit`"),
  enforce: z
    .boolean()
    .optional()
    .describe("false: count the amount even past the limit (alert and log policies, approved overruns)"),
});

/** One cap applied to one call. */
export type BudgetLine = z.infer<typeof budgetLineSchema>;

/** What `reserve` is asked: hold `lines` for one call, all or none. */
export const reserveRequestSchema = z.object({
  reservation_id: z.string().min(1).describe("the call's id; repeating it returns the first answer"),
  lines: z.array(budgetLineSchema),
  now: z.coerce.date().optional().describe("picks each window's period (default: the object's clock)"),
  hold_ms: z.number().int().nonnegative().optional().describe("how long the hold lasts unsettled (default 10 min)"),
});

/** What `reserve` is asked; `now` may be a Date or an ISO timestamp. */
export type ReserveRequest = z.input<typeof reserveRequestSchema>;

/** What `settle` is told: the reservation, and the host's reported cost where it gave one. */
export const settleRequestSchema = z.object({
  reservation_id: z.string().min(1),
  actual: z.partialRecord(z.enum(BUDGET_UNITS), z.number().nonnegative().finite()).optional(),
});

/** What `settle` is told; an `actual` amount replaces the reserved one for every line in that unit. */
export type SettleRequest = z.input<typeof settleRequestSchema>;

/** What `release` is told. */
export const releaseRequestSchema = z.object({ reservation_id: z.string().min(1) });

/** What `release` is told. */
export type ReleaseRequest = z.input<typeof releaseRequestSchema>;

/** What `spent` is asked: the keys to report (default: every key the book knows) at `now` (default: its clock). */
export const spentRequestSchema = z.object({
  keys: z.array(z.string().min(1)).optional(),
  now: z.coerce.date().optional(),
});

/** What `spent` is asked. */
export type SpentRequest = z.input<typeof spentRequestSchema>;

/** One cap's counter in its current period. */
export interface BudgetLineStatus {
  key: string;
  /** Settled spend in this period. */
  spent: number;
  /** Held by reservations not yet settled or released. */
  reserved: number;
  limit: number;
  /** When the period ends and the counter starts again (null for a `run` window: never). */
  resets_at: string | null;
}

/**
 * Why a cap stopped a call. `spent` counts what is settled plus what other calls hold but have not settled yet
 * (reserved): what stands between the call and the cap.
 */
export interface BudgetDenial {
  policy_id: string;
  scope: BudgetScope;
  subject: string;
  window: BudgetWindow;
  unit: BudgetUnit;
  limit: number;
  /** Settled plus reserved-but-unsettled spend in the current period. */
  spent: number;
  requested: number;
  /** When the window resets, so a retry can succeed (null: never, the call should not be retried). */
  resets_at: string | null;
}

/** `reserve`'s answer: every line held, with its counter after the hold; or the cap that refused, nothing held. */
export type ReserveResult =
  { ok: true; reservation_id: string; lines: BudgetLineStatus[] } | { ok: false; denial: BudgetDenial };

/**
 * Where a reservation stands: `held` until the call is settled or released; `reclaimed` when it was held too long
 * and the alarm returned its amounts; `unknown` when the book has no such reservation (never made, or long gone).
 */
export type ReservationState = "held" | "settled" | "released" | "reclaimed" | "unknown";

/** `settle`'s and `release`'s answer: the reservation's state after the call, and its lines' counters now. */
export interface ReservationResult {
  reservation_id: string;
  state: ReservationState;
  lines: BudgetLineStatus[];
}

/** A cap's counter for reports (the weekly digest): the line's identity and its current period's figures. */
export interface BudgetStatus extends BudgetLineStatus {
  policy_id: string;
  scope: BudgetScope;
  subject: string;
  window: BudgetWindow;
  unit: BudgetUnit;
  /** The window's current period: `run`, `2026-12-01`, `2026-W49` or `2026-12`. */
  period: string;
  /** Reservations of this period that were held too long and given back by the alarm. */
  reclaimed: number;
}

/** One tenant's budget book as callers use it (the plain shape of the BudgetDO stub; see `budgetBook`). */
export interface BudgetBook {
  /** Holds every line for one call, all or none; a repeated `reservation_id` returns the first answer. */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Turns a held reservation into spend, at the host's reported cost where given; repeating it changes nothing. */
  settle(request: SettleRequest): Promise<ReservationResult>;
  /** Returns a held reservation's amounts (the call did not run); a settled one stays settled. */
  release(request: ReleaseRequest): Promise<ReservationResult>;
  /** Every requested cap's counter in its current period. */
  spent(request?: SpentRequest): Promise<BudgetStatus[]>;
}
