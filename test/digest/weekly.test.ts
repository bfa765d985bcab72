import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DigestFigures } from "../../src/digest/figures";
import type { DigestPages, DigestPageStore, Narrator } from "../../src/digest/ports";
import type { DigestNarrative } from "../../src/digest/template";
import { writeDigest } from "../../src/digest/weekly";
import { bareTenant } from "./seed";

const WEEK = "2026-11-16";
const now = () => new Date("2026-11-24T12:00:00.000Z");

/** An in-memory Digests database: its pages by id, and a create that can lose its answer once. */
function memoryPages() {
  const pages = new Map<string, { week_start: string; narrative: DigestNarrative; figures: DigestFigures }>();
  const state = { creates: 0, loseNextAnswer: false };
  const store: DigestPageStore = {
    find: async (week_start) => [...pages].find(([, page]) => page.week_start === week_start)?.[0] ?? null,
    rewrite: async (page_id, figures, narrative) => {
      if (!pages.has(page_id)) return false;
      pages.set(page_id, { week_start: figures.week_start, narrative, figures });
      return true;
    },
    create: async (figures, narrative) => {
      const id = `page_${++state.creates}`;
      pages.set(id, { week_start: figures.week_start, narrative, figures });
      if (state.loseNextAnswer) {
        state.loseNextAnswer = false;
        throw new Error("the answer was lost");
      }
      return id;
    },
  };
  const open: DigestPages = async () => async () => store;
  return { open, pages, state };
}

const silent: Narrator = async () => null;

describe("the weekly digest over its ports", () => {
  it("prints the narrator's narrative, and the template's when the narrator has none", async () => {
    const tenant = await bareTenant();
    const memory = memoryPages();
    const narrate: Narrator = async () => ({ paragraphs: ["A quiet week."], written_by: "Claude" });

    const told = await writeDigest(env, { pages: memory.open, narrate }, tenant, WEEK, { now });
    expect(told).toMatchObject({ written_by: "Claude", page: { status: "created", page_id: "page_1" } });
    expect(memory.pages.get("page_1")!.narrative.paragraphs).toEqual(["A quiet week."]);

    const untold = await writeDigest(env, { pages: memory.open, narrate: silent }, tenant, WEEK, { now });
    expect(untold).toMatchObject({ written_by: "Template", page: { status: "updated", page_id: "page_1" } });
    expect(memory.pages.get("page_1")!.narrative.paragraphs[0]).toMatch(/^In the week of 2026-11-16/);
  });

  it("finds the page a create whose answer was lost made, instead of creating a second", async () => {
    const tenant = await bareTenant();
    const memory = memoryPages();
    memory.state.loseNextAnswer = true;

    const lost = await writeDigest(env, { pages: memory.open, narrate: silent }, tenant, WEEK, { now });
    expect(lost.page).toEqual({ status: "failed", error: "Error: the answer was lost" });
    const again = await writeDigest(env, { pages: memory.open, narrate: silent }, tenant, WEEK, { now });
    expect(again.page).toEqual({ status: "found_and_updated", page_id: "page_1" });
    expect(memory.state.creates).toBe(1);
  });

  it("skips a tenant whose pages have nowhere to go", async () => {
    const tenant = await bareTenant();
    const nowhere: DigestPages = async () => null;
    const report = await writeDigest(env, { pages: nowhere, narrate: silent }, tenant, WEEK, { now });
    expect(report.page).toEqual({ status: "skipped", reason: "no_connection" });
  });
});
