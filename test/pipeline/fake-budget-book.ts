/** An in-memory budget book for the pipeline's tests. */
import type { BudgetDenial, BudgetLine, BudgetLineStatus, ReserveResult } from "../../src/budgets/types";
import type { PipelineDeps } from "../../src/pipeline/ports";
import type { FakeWorld } from "./fake-deps";

/** A budget book that holds every line for a call or none, with no windows: counters never reset. */
export function fakeBudgetBook(world: FakeWorld): ReturnType<PipelineDeps["budgets"]> {
  const counter = (key: string) => {
    let found = world.counters.get(key);
    if (!found) world.counters.set(key, (found = { spent: 0, reserved: 0 }));
    return found;
  };
  const status = (lines: BudgetLine[]): BudgetLineStatus[] =>
    lines.map((line) => ({ key: line.key, ...counter(line.key), limit: line.limit, resets_at: null }));
  const finish = (reservation_id: string, to: "settled" | "released") => {
    const reservation = world.reservations.get(reservation_id);
    if (reservation?.state === "held") {
      for (const line of reservation.lines) {
        const c = counter(line.key);
        c.reserved -= line.amount;
        if (to === "settled") c.spent += line.amount;
      }
      reservation.state = to;
    }
    return { reservation_id, state: reservation?.state ?? "unknown", lines: status(reservation?.lines ?? []) } as const;
  };
  return {
    async reserve(request): Promise<ReserveResult> {
      if (world.budgetsDown) throw new Error("budget book unavailable");
      for (const line of request.lines) {
        const { spent, reserved } = counter(line.key);
        if (line.enforce && spent + reserved + line.amount > line.limit) {
          const denial: BudgetDenial = {
            policy_id: line.policy_id,
            scope: line.scope,
            subject: line.subject,
            window: line.window,
            unit: line.unit,
            limit: line.limit,
            spent: spent + reserved,
            requested: line.amount,
            resets_at: line.window === "run" ? null : "2026-12-07T00:00:00.000Z",
          };
          return { ok: false, denial };
        }
      }
      const lines = request.lines as BudgetLine[];
      for (const line of lines) counter(line.key).reserved += line.amount;
      world.reservations.set(request.reservation_id, { lines, state: "held" });
      return { ok: true, reservation_id: request.reservation_id, lines: status(lines) };
    },
    settle: async (request) => finish(request.reservation_id, "settled"),
    release: async (request) => finish(request.reservation_id, "released"),
  };
}
