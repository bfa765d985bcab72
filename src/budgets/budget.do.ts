import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import {
  releaseRequestSchema,
  reserveRequestSchema,
  settleRequestSchema,
  spentRequestSchema,
  type BudgetBook,
  type BudgetDenial,
  type BudgetLine,
  type BudgetLineStatus,
  type BudgetStatus,
  type BudgetUnit,
  type ReleaseRequest,
  type ReservationResult,
  type ReservationState,
  type ReserveRequest,
  type ReserveResult,
  type SettleRequest,
  type SpentRequest,
} from "./types";
import { windowPeriod } from "./windows";

/** How long a reservation is held unsettled before the alarm reclaims it, unless `reserve` says otherwise. */
export const DEFAULT_HOLD_MS = 10 * 60_000;
/** How long a finished reservation is remembered, so a repeated reserve, settle or release still finds it. */
export const FINISHED_RETAIN_MS = 86_400_000;

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS budget_counters (
  key TEXT NOT NULL,
  period TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  subject TEXT NOT NULL,
  budget_window TEXT NOT NULL,
  unit TEXT NOT NULL,
  cap INTEGER NOT NULL,
  spent INTEGER NOT NULL DEFAULT 0,
  reserved INTEGER NOT NULL DEFAULT 0,
  reclaimed INTEGER NOT NULL DEFAULT 0,
  resets_at TEXT,
  PRIMARY KEY (key, period)
);
CREATE TABLE IF NOT EXISTS budget_reservations (
  reservation_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  holds TEXT NOT NULL,
  answer TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS budget_reservations_by_state ON budget_reservations (state, expires_at);
`;

/** One cap's counter in one period, as stored. */
type CounterRow = {
  key: string;
  period: string;
  policy_id: string;
  scope: BudgetStatus["scope"];
  subject: string;
  budget_window: BudgetStatus["window"];
  unit: BudgetUnit;
  cap: number;
  spent: number;
  reserved: number;
  reclaimed: number;
  resets_at: string | null;
};

/** What one reservation holds on one counter. */
interface Hold {
  key: string;
  period: string;
  unit: BudgetUnit;
  amount: number;
}

type ReservationRow = {
  reservation_id: string;
  state: Exclude<ReservationState, "unknown">;
  holds: string;
  answer: string;
  expires_at: number;
  finished_at: number | null;
};

/**
 * One tenant's budget book (get it with `budgetBook(env, tenant_id)`): counters per cap and window period, and the
 * reservations held against them. Every check-and-update runs synchronously in one turn of the object, so
 * concurrent calls cannot interleave between reading a counter and moving it: no cap is ever overspent by a race.
 */
export class BudgetDO extends DurableObject<Env> implements BudgetBook {
  /** Times holds and the alarm; tests replace it inside `runInDurableObject`. */
  clock: () => Date = () => new Date();
  readonly #sql: SqlStorage;
  /** The alarm this instance has set (null: none known); a hold expiring earlier moves it. */
  #alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA_SQL);
  }

  /**
   * Holds every line's amount against its counter in the period `now` falls in, all or none. A line denies when
   * its counter's spent plus reserved plus the amount would pass the limit (unless it says `enforce: false`); the denial names the cap that frees up
   * last. A repeated `reservation_id` returns the first answer and holds nothing more (a denied one is not
   * remembered, so repeating it asks again). The hold lasts `hold_ms` (default 10 min) by the object's clock, then
   * the alarm reclaims it. Throws for a malformed request (a caller's bug).
   */
  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const { reservation_id, lines, now, hold_ms } = reserveRequestSchema.parse(request);
    const known = this.#reservation(reservation_id);
    if (known) return JSON.parse(known.answer) as ReserveResult;
    const at = now ?? this.clock();
    const expires_at = this.clock().getTime() + (hold_ms ?? DEFAULT_HOLD_MS);

    const counters = new Map<string, { row: CounterRow; stored: boolean }>();
    const holds: Hold[] = [];
    const denials: BudgetDenial[] = [];
    for (const line of lines) {
      const { period, resets_at } = windowPeriod(line.window, at);
      const id = `${line.key}\n${period}`;
      const stored = this.#counter(line.key, period);
      const counter = counters.get(id) ?? { row: stored ?? emptyCounter(line, period, resets_at), stored: !!stored };
      counters.set(id, counter);
      const used = counter.row.spent + counter.row.reserved;
      if (line.enforce !== false && used + line.amount > line.limit) {
        denials.push({ ...lineIdentity(line), limit: line.limit, spent: used, requested: line.amount, resets_at });
        continue;
      }
      counter.row = { ...counter.row, cap: line.limit, reserved: counter.row.reserved + line.amount };
      holds.push({ key: line.key, period, unit: line.unit, amount: line.amount });
    }
    const denial = denials.reduce<BudgetDenial | undefined>(
      (last, next) => (last && resetTime(last) >= resetTime(next) ? last : next),
      undefined,
    );
    if (denial) return { ok: false, denial };

    const answer: ReserveResult = {
      ok: true,
      reservation_id,
      lines: [...counters.values()].map(({ row }) => lineStatus(row)),
    };
    this.ctx.storage.transactionSync(() => {
      for (const { row, stored } of counters.values()) {
        this.#writeCounter(row);
        if (!stored) this.#pruneOldPeriods(row.key);
      }
      this.#sql.exec(
        `INSERT INTO budget_reservations (reservation_id, state, holds, answer, expires_at) VALUES (?, 'held', ?, ?, ?)`,
        reservation_id,
        JSON.stringify(holds),
        JSON.stringify(answer),
        expires_at,
      );
    });
    // Set in this same turn, so the earliest hold's alarm is the one that stays set whatever runs next.
    if (this.#alarmAt === null || expires_at < this.#alarmAt) {
      this.#alarmAt = expires_at;
      await this.ctx.storage.setAlarm(expires_at);
    }
    return answer;
  }

  /**
   * Moves a held reservation's amounts from reserved to spent; an `actual` amount (rounded up to a whole unit)
   * replaces the reserved one for every line in its unit, and may pass the cap: the spend is then truthfully over
   * and later reservations deny. A reservation the alarm reclaimed is charged too (the call did run). Settling
   * again changes nothing; a released reservation stays released.
   */
  async settle(request: SettleRequest): Promise<ReservationResult> {
    const { reservation_id, actual } = settleRequestSchema.parse(request);
    const known = this.#reservation(reservation_id);
    if (!known) return { reservation_id, state: "unknown", lines: [] };
    const holds = JSON.parse(known.holds) as Hold[];
    if (known.state === "held" || known.state === "reclaimed") {
      const returned = known.state === "held";
      this.ctx.storage.transactionSync(() => {
        for (const hold of holds) {
          const reported = actual?.[hold.unit];
          const charge = reported === undefined ? hold.amount : Math.ceil(reported);
          this.#sql.exec(
            `UPDATE budget_counters SET reserved = reserved - ?, spent = spent + ? WHERE key = ? AND period = ?`,
            returned ? hold.amount : 0,
            charge,
            hold.key,
            hold.period,
          );
        }
        this.#finish(reservation_id, "settled");
      });
      return { reservation_id, state: "settled", lines: this.#statuses(holds) };
    }
    return { reservation_id, state: known.state, lines: this.#statuses(holds) };
  }

  /**
   * Returns a held reservation's amounts to its counters (the call did not run, or failed before the host charged).
   * Releasing again changes nothing; a settled reservation stays settled, and one the alarm reclaimed stays
   * `reclaimed` (its amounts are already back).
   */
  async release(request: ReleaseRequest): Promise<ReservationResult> {
    const { reservation_id } = releaseRequestSchema.parse(request);
    const known = this.#reservation(reservation_id);
    if (!known) return { reservation_id, state: "unknown", lines: [] };
    const holds = JSON.parse(known.holds) as Hold[];
    if (known.state === "held") {
      this.ctx.storage.transactionSync(() => {
        this.#returnHolds(holds, false);
        this.#finish(reservation_id, "released");
      });
      return { reservation_id, state: "released", lines: this.#statuses(holds) };
    }
    return { reservation_id, state: known.state, lines: this.#statuses(holds) };
  }

  /**
   * Each cap's counter in the period its window is in at `now`, for reports; `keys` narrows it (unknown keys are
   * left out). A cap with no activity yet this period shows zero against its last known limit.
   */
  async spent(request: SpentRequest = {}): Promise<BudgetStatus[]> {
    const { keys, now } = spentRequestSchema.parse(request);
    const at = now ?? this.clock();
    const wanted =
      keys ??
      this.#sql
        .exec<{ key: string }>("SELECT DISTINCT key FROM budget_counters ORDER BY key")
        .toArray()
        .map((r) => r.key);
    const statuses: BudgetStatus[] = [];
    for (const key of wanted) {
      const latest = this.#sql
        .exec<CounterRow>("SELECT * FROM budget_counters WHERE key = ? ORDER BY period DESC LIMIT 1", key)
        .toArray()[0];
      if (!latest) continue;
      const { period, resets_at } = windowPeriod(latest.budget_window, at);
      const current = this.#counter(key, period) ?? {
        ...latest,
        period,
        resets_at,
        spent: 0,
        reserved: 0,
        reclaimed: 0,
      };
      statuses.push({
        ...lineStatus(current),
        policy_id: current.policy_id,
        scope: current.scope,
        subject: current.subject,
        window: current.budget_window,
        unit: current.unit,
        period,
        reclaimed: current.reclaimed,
      });
    }
    return statuses;
  }

  /**
   * Reclaims reservations held past their time (their amounts go back, counted as reclaimed), forgets finished
   * reservations older than a day, and sets the alarm for the next hold to expire.
   */
  override async alarm(): Promise<void> {
    const now = this.clock().getTime();
    const stale = this.#sql
      .exec<ReservationRow>("SELECT * FROM budget_reservations WHERE state = 'held' AND expires_at <= ?", now)
      .toArray();
    const next = this.ctx.storage.transactionSync(() => {
      for (const reservation of stale) {
        this.#returnHolds(JSON.parse(reservation.holds) as Hold[], true);
        this.#finish(reservation.reservation_id, "reclaimed");
      }
      this.#sql.exec(
        "DELETE FROM budget_reservations WHERE state != 'held' AND finished_at <= ?",
        now - FINISHED_RETAIN_MS,
      );
      return this.#sql
        .exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM budget_reservations WHERE state = 'held'")
        .one().next;
    });
    if (stale.length > 0) console.warn(`budget book reclaimed ${stale.length} reservation(s) held past their time`);
    this.#alarmAt = next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  #reservation(reservation_id: string): ReservationRow | undefined {
    return this.#sql
      .exec<ReservationRow>("SELECT * FROM budget_reservations WHERE reservation_id = ?", reservation_id)
      .toArray()[0];
  }

  #counter(key: string, period: string): CounterRow | undefined {
    return this.#sql
      .exec<CounterRow>("SELECT * FROM budget_counters WHERE key = ? AND period = ?", key, period)
      .toArray()[0];
  }

  #writeCounter(row: CounterRow): void {
    this.#sql.exec(
      `INSERT INTO budget_counters
         (key, period, policy_id, scope, subject, budget_window, unit, cap, spent, reserved, reclaimed, resets_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key, period) DO UPDATE SET
         policy_id = excluded.policy_id, scope = excluded.scope, subject = excluded.subject,
         budget_window = excluded.budget_window, unit = excluded.unit, cap = excluded.cap,
         spent = excluded.spent, reserved = excluded.reserved, reclaimed = excluded.reclaimed`,
      row.key,
      row.period,
      row.policy_id,
      row.scope,
      row.subject,
      row.budget_window,
      row.unit,
      row.cap,
      row.spent,
      row.reserved,
      row.reclaimed,
      row.resets_at,
    );
  }

  /** Keeps a key's two newest periods (the current one and the one before, for reports); holds keep theirs. */
  #pruneOldPeriods(key: string): void {
    this.#sql.exec(
      `DELETE FROM budget_counters WHERE key = ?1 AND reserved = 0 AND period NOT IN
         (SELECT period FROM budget_counters WHERE key = ?1 ORDER BY period DESC LIMIT 2)`,
      key,
    );
  }

  #returnHolds(holds: Hold[], reclaimed: boolean): void {
    for (const hold of holds)
      this.#sql.exec(
        "UPDATE budget_counters SET reserved = reserved - ?, reclaimed = reclaimed + ? WHERE key = ? AND period = ?",
        hold.amount,
        reclaimed ? 1 : 0,
        hold.key,
        hold.period,
      );
  }

  #finish(reservation_id: string, state: "settled" | "released" | "reclaimed"): void {
    this.#sql.exec(
      "UPDATE budget_reservations SET state = ?, finished_at = ? WHERE reservation_id = ?",
      state,
      this.clock().getTime(),
      reservation_id,
    );
  }

  #statuses(holds: Hold[]): BudgetLineStatus[] {
    const seen = new Set<string>();
    const statuses: BudgetLineStatus[] = [];
    for (const hold of holds) {
      const id = `${hold.key}\n${hold.period}`;
      const row = seen.has(id) ? undefined : this.#counter(hold.key, hold.period);
      seen.add(id);
      if (row) statuses.push(lineStatus(row));
    }
    return statuses;
  }
}

function lineIdentity(line: BudgetLine): Pick<BudgetDenial, "policy_id" | "scope" | "subject" | "window" | "unit"> {
  return { policy_id: line.policy_id, scope: line.scope, subject: line.subject, window: line.window, unit: line.unit };
}

function emptyCounter(line: BudgetLine, period: string, resets_at: string | null): CounterRow {
  return {
    key: line.key,
    period,
    policy_id: line.policy_id,
    scope: line.scope,
    subject: line.subject,
    budget_window: line.window,
    unit: line.unit,
    cap: line.limit,
    spent: 0,
    reserved: 0,
    reclaimed: 0,
    resets_at,
  };
}

function lineStatus(row: CounterRow): BudgetLineStatus {
  return { key: row.key, spent: row.spent, reserved: row.reserved, limit: row.cap, resets_at: row.resets_at };
}

/** When a denial's cap frees up, for picking the one that frees up last (never: infinitely late). */
function resetTime(denial: BudgetDenial): number {
  return denial.resets_at === null ? Infinity : Date.parse(denial.resets_at);
}
