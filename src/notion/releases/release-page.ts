/** A release's page in the Releases database (notion-templates/releases.json): its properties and its body. */
import type { BlockObjectRequest, CreatePageParameters } from "@notionhq/client";
import type { ReleaseStatus } from "../../db/releases";
import type { ReleaseReport } from "../../release/check";
import { changedShare, goldenLine, reportOf, shadowLine } from "../../release/release-figures";
import type { ReleasePageView } from "../../release/release-pages";
import type { ReplayExample } from "../../release/replay";
import { MAX_TEXT_OBJECT, richText, type NotionPageProperties } from "../page-properties";

/** How Claude's summary is labelled on a release page. */
export const RELEASE_SUMMARY_LABEL = "Summary (Claude): ";
/** A line of the page is cut to this many characters. */
const MAX_LINE = 500;
/** Notion takes at most 100 blocks in one request; the body stays under it. */
const MAX_BLOCKS = 95;

/** The Status select's option for each release status. */
export const STATUS_NAMES: Record<ReleaseStatus, string> = {
  live: "Live",
  held: "Held",
  accepted: "Accepted",
  rejected: "Rejected",
  rolled_back: "Rolled back",
};

const SOURCE_NAMES = { notion: "Notion", admin: "Admin", rollback: "Rollback" } as const;

/**
 * The page's properties. Accept and Reason are a manager's to set while the release is held: they are written only
 * once it is accepted (ticked, with the recorded reason), so rewriting a held page never clears what a manager typed.
 */
export function releaseProperties({ release, summary }: ReleasePageView): NotionPageProperties {
  const decided = release.status === "accepted";
  return {
    Release: { title: richText(clip(`${release.id} · ${STATUS_NAMES[release.status]}`, MAX_LINE)) },
    "Release ID": { rich_text: richText(release.id) },
    Status: { select: { name: STATUS_NAMES[release.status] } },
    "Held because": { rich_text: richText(clip(release.held_because ?? "", MAX_LINE)) },
    Source: { select: { name: SOURCE_NAMES[release.source] } },
    Snapshot: { rich_text: richText(release.snapshot) },
    "Golden tasks": { rich_text: richText(`${release.golden.passed} passed, ${release.golden.failed} failed`) },
    Replay: {
      rich_text: richText(
        `${release.replay.changed + release.replay.indeterminate} of ${release.replay.calls} calls would change ` +
          `(${changedShare(release)}%), ${release.replay.indeterminate} indeterminate`,
      ),
    },
    Created: { date: { start: release.created_at } },
    "Decided at": { date: release.decided_at ? { start: release.decided_at } : null },
    "Summary by": { select: { name: summary ? "Claude" : "None" } },
    ...(decided
      ? {
          Accept: { checkbox: true },
          Reason: { rich_text: richText(clip(release.decided_reason ?? "", MAX_LINE)) },
          ...(release.decided_by_user_id ? { "Accepted by": { people: [{ id: release.decided_by_user_id }] } } : {}),
        }
      : {}),
  };
}

/**
 * The page's body: Claude's summary first, labelled, when there is one; what the release's status means and what a
 * manager can do; then the figures Policy OS computed: changed rows, golden results (expected vs got), the replay
 * impact by tool, agent and reason codes with a few redacted examples, and what each row turned from Shadow to
 * Active would have done while in shadow. Plain text, within Notion's limits.
 */
export function releaseBlocks(view: ReleasePageView): BlockObjectRequest[] {
  const { release, figures, summary } = view;
  const report = reportOf(release);
  const blocks: BlockObjectRequest[] = [];
  if (summary)
    blocks.push(
      {
        paragraph: {
          rich_text: [
            { type: "text", text: { content: RELEASE_SUMMARY_LABEL }, annotations: { bold: true } },
            ...richText(clip(summary, MAX_TEXT_OBJECT - RELEASE_SUMMARY_LABEL.length)),
          ],
        },
      },
      { divider: {} },
    );
  blocks.push(paragraph(stateLine(view)));
  blocks.push(
    paragraph(
      summary
        ? "The figures below are computed by Policy OS; the summary above was written by Claude around them and cannot change them."
        : "The figures below are computed by Policy OS.",
    ),
  );
  blocks.push(heading("Figures"), ...figures.map((figure) => bullet(`${figure.name}: ${figure.value}`)));
  blocks.push(heading("Changed rows"), ...changedRowLines(report).map(bullet));
  const golden = report.golden ?? [];
  blocks.push(heading("Golden tasks"));
  if (golden.length === 0) blocks.push(paragraph("The tenant has no active golden task."));
  for (const result of golden.slice(0, 20))
    blocks.push(bullet(`${result.passed ? "Passed" : "FAILED"} ${goldenLine(result)}`));
  blocks.push(heading("Replay"), ...replayLines(report));
  const activated = report.shadow_activated ?? [];
  if (activated.length > 0) {
    blocks.push(heading("Shadow → Active"));
    for (const row of activated) blocks.push(bullet(shadowLine(row)), ...row.examples.slice(0, 2).map(example));
  }
  if (blocks.length > MAX_BLOCKS)
    return [...blocks.slice(0, MAX_BLOCKS - 1), paragraph("(cut: see GET /admin/releases/<id>)")];
  return blocks;
}

/** The parameters that create a release's page in the Releases data source, body included. */
export function releasePage(view: ReleasePageView, data_source_id: string): CreatePageParameters {
  return {
    parent: { type: "data_source_id", data_source_id },
    properties: releaseProperties(view),
    children: releaseBlocks(view),
  };
}

function stateLine({ release }: ReleasePageView): string {
  switch (release.status) {
    case "held":
      return `Held: ${release.held_because ?? "a person must accept it"}. The snapshot in force keeps deciding every call. To put this release in force, write a Reason and tick Accept; or fix the rows in Policies (a newer candidate replaces this one).`;
    case "accepted":
      return `Accepted by ${release.decided_by ?? "someone"} at ${release.decided_at ?? "?"}: "${release.decided_reason ?? ""}". Its snapshot is in force.`;
    case "live":
      return "Live: it passed every check and took effect at once.";
    case "rejected":
      return `Rejected at ${release.decided_at ?? "?"}: ${release.decided_reason ?? "a newer candidate replaced it"}.`;
    case "rolled_back":
      return `Rolled back at ${release.decided_at ?? "?"}: an earlier snapshot replaced it.`;
  }
}

function changedRowLines(report: Partial<ReleaseReport>): string[] {
  const rows = report.changed_rows;
  if (!rows) return ["Not recorded."];
  const list = (ids: string[]) => (ids.length === 0 ? "none" : ids.join(", "));
  return [`Added: ${list(rows.added)}`, `Modified: ${list(rows.modified)}`, `Removed: ${list(rows.removed)}`];
}

function replayLines(report: Partial<ReleaseReport>): BlockObjectRequest[] {
  const replay = report.replay;
  if (!replay) return [paragraph("Not recorded.")];
  const lines: BlockObjectRequest[] = [
    paragraph(
      `${replay.calls} recorded calls of the last ${replay.days} days replayed against this snapshot and the one in ` +
        `force: ${replay.changed} would change, ${replay.indeterminate} are indeterminate (their answer depends on a ` +
        `value redaction removed).`,
    ),
  ];
  for (const group of replay.groups.slice(0, 10)) {
    lines.push(
      bullet(
        `${group.tool} · ${group.agent}: ${group.calls} call(s) from ${group.from.decision} (${group.from.reason_code}) ` +
          `to ${group.to.decision} (${group.to.reason_code})`,
      ),
      ...group.examples.slice(0, 2).map(example),
    );
  }
  for (const group of replay.indeterminate_groups.slice(0, 5))
    lines.push(
      bullet(`${group.tool} · ${group.agent}: ${group.calls} indeterminate call(s), reading ${group.paths.join(", ")}`),
    );
  return lines;
}

/** A recorded call as the page shows it: its arguments are the redacted copy every record holds. */
const example = (call: ReplayExample): BlockObjectRequest =>
  paragraph(`    e.g. ${call.invocation_id} at ${call.created_at}: ${JSON.stringify(call.args)}`);

const paragraph = (text: string): BlockObjectRequest => ({ paragraph: { rich_text: richText(clip(text, MAX_LINE)) } });
const heading = (text: string): BlockObjectRequest => ({ heading_2: { rich_text: richText(text) } });
const bullet = (text: string): BlockObjectRequest => ({
  bulleted_list_item: { rich_text: richText(clip(text, MAX_LINE)) },
});

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
