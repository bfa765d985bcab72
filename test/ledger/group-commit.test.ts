import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/ledger/group-commit";

describe("GroupCommit", () => {
  it("writes items added together in one batch, in order", async () => {
    const batches: number[][] = [];
    const commits = new GroupCommit<number>((batch) => batches.push(batch));
    await Promise.all([commits.add([1]), commits.add([2, 3]), commits.add([4])]);
    await commits.add([5]);
    expect(batches).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("rejects every caller of a failed batch and writes the next one", async () => {
    const batches: number[][] = [];
    let fail = true;
    const commits = new GroupCommit<number>((batch) => {
      if (fail) throw new Error("disk full");
      batches.push(batch);
    });
    const results = await Promise.allSettled([commits.add([1]), commits.add([2])]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    await commits.add([3]);
    expect(batches).toEqual([[3]]);
  });
});
