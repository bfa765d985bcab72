import { describe, expect, it } from "vitest";
import { DEC_1, freshBook, workspaceMonthly } from "./helpers";

const cap = workspaceMonthly(73, 50_000);

describe("budget book under load", () => {
  it("1,000 simultaneous reservations against one cap never overspend it", async () => {
    const { book } = freshBook();
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, n) => book.reserve({ reservation_id: `inv_${n}`, lines: [cap], now: DEC_1 })),
    );
    const taken = answers.filter((answer) => answer.ok);
    expect(taken).toHaveLength(Math.floor(50_000 / 73));
    for (const answer of answers)
      if (!answer.ok) expect(answer.denial).toMatchObject({ limit: 50_000, requested: 73, spent: 684 * 73 });

    await Promise.all(taken.map((answer) => book.settle({ reservation_id: answer.reservation_id })));
    const [status] = await book.spent({ now: DEC_1 });
    expect(status).toMatchObject({ spent: 684 * 73, reserved: 0 });
    expect(status!.spent).toBeLessThanOrEqual(50_000);
  });
});
