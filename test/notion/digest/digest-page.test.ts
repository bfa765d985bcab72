import type { BlockObjectRequest } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { digestBlocks, digestPage, digestProperties, MAX_DIGEST_BLOCKS } from "../../../src/notion/digest/digest-page";
import type { DigestFigures } from "../../../src/digest/figures";
import { templateNarrative, type DigestNarrative } from "../../../src/digest/template";
import { sampleFigures, SIGNED_CHECKPOINT } from "../../digest/fixtures";

type Text = { type: "text"; text: { content: string }; annotations?: { bold?: boolean } };
const ALLOWED = ["paragraph", "heading_2", "bulleted_list_item", "divider"];

function textsOf(block: BlockObjectRequest): Text[] {
  const type = Object.keys(block).find((key) => key !== "object" && key !== "type")!;
  return ((block as unknown as Record<string, { rich_text?: Text[] }>)[type]?.rich_text ?? []) as Text[];
}
const lineOf = (block: BlockObjectRequest) =>
  textsOf(block)
    .map((t) => t.text.content)
    .join("");
const typeOf = (block: BlockObjectRequest) => Object.keys(block).find((key) => key !== "object" && key !== "type")!;

/** Asserts what Notion enforces on a create: block kinds, block count, text object size and rich-text array length. */
function expectWithinNotionLimits(blocks: BlockObjectRequest[]) {
  expect(blocks.length).toBeLessThanOrEqual(MAX_DIGEST_BLOCKS);
  for (const block of blocks) {
    expect(ALLOWED).toContain(typeOf(block));
    const texts = textsOf(block);
    expect(texts.length).toBeLessThanOrEqual(100);
    for (const text of texts) expect(text.text.content.length).toBeLessThanOrEqual(2000);
  }
  expect(JSON.stringify(blocks).length).toBeLessThan(500_000);
}

describe("the digest page", () => {
  it("has the Week title, Tenant, Period, headline numbers, ledger checkpoint and who wrote the narrative", () => {
    const figures = sampleFigures();
    expect(digestProperties(figures, "Claude")).toEqual({
      Week: { title: [{ type: "text", text: { content: "Week of 2026-11-16" } }] },
      Tenant: { rich_text: [{ type: "text", text: { content: "acme" } }] },
      Period: { date: { start: "2026-11-16", end: "2026-11-22" } },
      Calls: { number: 24 },
      Denied: { number: 5 },
      Held: { number: 8 },
      Approved: { number: 3 },
      Expired: { number: 2 },
      "Median minutes to decision": { number: 45 },
      "Ledger seq": { number: 42 },
      "Ledger head": { rich_text: [{ type: "text", text: { content: "ab".repeat(32) } }] },
      "Written by": { select: { name: "Claude" } },
    });
    const none = sampleFigures({ approvals: { ...figures.approvals, median_minutes_to_decision: null } });
    expect(digestProperties(none, "Template")["Median minutes to decision"]).toEqual({ number: null });
  });

  it("opens with the narrative under a bold label saying who wrote it, then sets the code's figures apart", () => {
    const figures = sampleFigures();
    const narrative: DigestNarrative = { paragraphs: ["First words.", "Second words."], written_by: "Claude" };
    const blocks = digestBlocks(figures, narrative);
    expect(textsOf(blocks[0]!)).toEqual([
      { type: "text", text: { content: "Narrative (Claude): " }, annotations: { bold: true } },
      { type: "text", text: { content: "First words." } },
    ]);
    expect(lineOf(blocks[1]!)).toBe("Second words.");
    expect(typeOf(blocks[2]!)).toBe("divider");
    expect(lineOf(blocks[3]!)).toMatch(/^The figures below are computed by Policy OS .* written by Claude/);
    const lines = blocks.map(lineOf);
    for (const heading of [
      "Calls",
      "Reason codes",
      "Busiest tools",
      "Approvals",
      "Spend",
      "Agents with the most denials",
      "Ledger checkpoint",
    ])
      expect(blocks.filter((b) => typeOf(b) === "heading_2").map(lineOf)).toContain(heading);
    expect(lines).toEqual(
      expect.arrayContaining([
        "Total: 24",
        "Denied: 5",
        "refund_blocked: 5",
        "payments.create_refund: 10 calls, 5 denied",
        "Median time to decision: 45 minutes",
        "Cost of the week's calls: $3.72",
        "spend_cap (workspace workspace, month window, period 2026-12): $12.00 of $500.00 spent",
        "Refund cap (pol_refund_cap): 4 calls; would block 3, would pause 1",
        "billing-bot (agt_1): 5 denied",
        "Calls: 3 → 24 (+21)",
        "Sequence number: 42",
        `Head hash: ${"ab".repeat(32)}`,
      ]),
    );
    expect(lines.join("\n")).not.toMatch(/\*\*|^#|`/m);
    const template = digestBlocks(figures, { paragraphs: ["Words."], written_by: "Template" });
    expect(textsOf(template[0]!)[0]!.text.content).toBe("Narrative (template): ");
  });

  it("ends with the week's signed checkpoint, exactly as signed, after the ledger checkpoint's lines", () => {
    const blocks = digestBlocks(sampleFigures(), templateNarrative(sampleFigures()));
    expect(lineOf(blocks.at(-1)!)).toBe(SIGNED_CHECKPOINT);
    expect(typeOf(blocks.at(-1)!)).toBe("paragraph");
    expect(lineOf(blocks.at(-2)!)).toMatch(/^Signed checkpoint of the Merkle tree of these 42 entries, below/);
  });

  it("says there is no signed checkpoint when the deployment has no signing key", () => {
    const base = sampleFigures();
    const figures = sampleFigures({ ledger: { ...base.ledger, signed_checkpoint: null } });
    const lines = digestBlocks(figures, templateNarrative(figures)).map(lineOf);
    expect(lines.at(-1)).toBe("No signed checkpoint: the deployment has no ledger signing key.");
  });

  it("says when caps could not be read instead of listing them", () => {
    const figures = sampleFigures();
    const blocks = digestBlocks(
      sampleFigures({ spend: { cost_cents: 0, caps: [], caps_unavailable: "budget book unreachable" } }),
      templateNarrative(figures),
    );
    expect(blocks.map(lineOf)).toContain(
      "Caps unavailable: the budget book could not be read (budget book unreachable).",
    );
  });

  it("stays within Notion's limits whatever the size of the narrative and the figures", () => {
    const long = (n: number) => "x".repeat(n);
    const many = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
    const base = sampleFigures();
    const huge: DigestFigures = sampleFigures({
      tenant_id: long(5_000),
      calls: {
        total: 1e9,
        by_decision: Object.fromEntries(many(300, (i) => [`decision_${i}_${long(3_000)}`, i])),
        by_reason_code: many(500, (i) => ({ reason_code: `${long(10_000)}${i}`, calls: i })),
        by_outcome: Object.fromEntries(many(300, (i) => [`outcome_${i}_${long(100)}`, i])),
      },
      busiest_tools: many(500, (i) => ({ tool: `${long(10_000)}.${i}`, calls: i, denied: i })),
      spend: {
        cost_cents: 1e12,
        caps: many(500, (i) => ({ ...base.spend.caps[0]!, policy_id: `${long(5_000)}${i}`, subject: long(5_000) })),
        caps_unavailable: null,
      },
      shadow: many(500, (i) => ({
        policy_id: long(5_000),
        policy_name: long(5_000),
        calls: i,
        by_would: Object.fromEntries(many(100, (j) => [`${long(100)}${j}`, j])),
      })),
      top_denied_agents: many(500, (i) => ({ agent_id: long(5_000), name: `${long(5_000)}${i}`, denied: i })),
      ledger: { ...base.ledger, hash: long(5_000), at: long(5_000), before: long(5_000) },
    });
    const narrative: DigestNarrative = { paragraphs: many(500, () => long(50_000)), written_by: "Claude" };

    const blocks = digestBlocks(huge, narrative);
    expectWithinNotionLimits(blocks);
    expect(textsOf(blocks[0]!)[0]!.text.content).toBe("Narrative (Claude): ");
    expect(blocks.map(lineOf)).toContain("Ledger checkpoint");

    const page = digestPage(huge, narrative, "ds_1");
    for (const value of Object.values(page.properties!)) {
      const texts = ((value as { title?: Text[] }).title ??
        (value as { rich_text?: Text[] }).rich_text ??
        []) as Text[];
      expect(texts.length).toBeLessThanOrEqual(100);
      for (const text of texts) expect(text.text.content.length).toBeLessThanOrEqual(2000);
    }
    expectWithinNotionLimits(digestBlocks(sampleFigures(), { paragraphs: [], written_by: "Template" }));
  });
});

describe("the template narrative", () => {
  it("tells the week in plain sentences built from the figures alone", () => {
    const narrative = templateNarrative(sampleFigures());
    expect(narrative.written_by).toBe("Template");
    expect(narrative.paragraphs).toEqual([
      "In the week of 2026-11-16, agents made 24 tool calls: 16 authorized, 1 held for approval, 5 denied and 2 invalid.",
      "8 calls were held for approval: 3 approved, 1 denied, 2 expired and 1 still pending; the median time to a decision was 45 minutes.",
      "The busiest tool was payments.create_refund (10 calls). billing-bot had the most denied calls (5). Had they been active, 1 Shadow policy would have acted on calls, Refund cap on the most (4 calls).",
      "Compared with the week of 2026-11-09: calls rose by 21 (from 3 to 24), denials rose by 4 (from 1 to 5), holds rose by 6 (from 2 to 8), approvals rose by 2 (from 1 to 3), expiries rose by 1 (from 1 to 2).",
    ]);
  });

  it("says so when the week was quiet or is still running", () => {
    const figures = sampleFigures();
    const quiet = templateNarrative(
      sampleFigures({
        complete: false,
        calls: { total: 0, by_decision: {}, by_reason_code: [], by_outcome: {} },
        busiest_tools: [],
        shadow: [],
        top_denied_agents: [],
        approvals: {
          held: 0,
          approved: 0,
          denied: 0,
          expired: 0,
          pending: 0,
          cancelled: 0,
          median_minutes_to_decision: null,
        },
        changes: { ...figures.changes, difference: { calls: -3, denied: -1, held: -2, approved: -1, expired: -1 } },
      }),
    );
    expect(quiet.paragraphs).toEqual([
      "In the week of 2026-11-16, agents made no tool calls. The week is still running: these figures cover it up to 2026-11-24T12:00:00.000Z.",
      "No call was held for approval.",
      "Compared with the week of 2026-11-09: calls fell by 3 (from 3 to 0), denials fell by 1 (from 1 to 0), holds fell by 2 (from 2 to 0), approvals fell by 1 (from 1 to 0), expiries fell by 1 (from 1 to 0).",
    ]);
  });
});
