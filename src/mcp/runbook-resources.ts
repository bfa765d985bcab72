import type { Resource, TextResourceContents } from "@modelcontextprotocol/sdk/types.js";
import type { ActiveRunbook } from "../db/feature-reads";
import type { ToolDescriptor } from "../hosts";
import { matchesGlob } from "../policy";

/** What every runbook's URI starts with: `policy-os://runbooks/<Notion page id>`. */
export const RUNBOOK_URI_PREFIX = "policy-os://runbooks/";

/** A runbook and the tools it covers among those the agent may see. */
export interface RunbookInView {
  runbook: ActiveRunbook;
  covers: string[];
}

/**
 * The Active runbooks that concern the tools the agent may see (their tool patterns admit at least one), each with
 * those tools. A runbook about tools the agent cannot see is not shown: it would name them.
 */
export function runbooksInView(runbooks: ActiveRunbook[], visible: ToolDescriptor[]): RunbookInView[] {
  return runbooks.flatMap((runbook) => {
    const covers = visible
      .filter((tool) => runbook.tools.some((pattern) => matchesGlob(pattern, tool.name)))
      .map((tool) => tool.name)
      .sort();
    return covers.length > 0 ? [{ runbook, covers }] : [];
  });
}

/** A runbook as resources/list shows it. */
export function runbookResource({ runbook, covers }: RunbookInView): Resource {
  return {
    uri: `${RUNBOOK_URI_PREFIX}${runbook.page_id}`,
    name: `runbook.${runbook.page_id}`,
    title: runbook.name,
    description: `What a person checks before approving a call to ${covers.join(", ")}.`,
    mimeType: "text/markdown",
  };
}

/** A runbook's text as resources/read returns it: what it covers and the checks a person makes before approving. */
export function runbookContents({ runbook, covers }: RunbookInView): TextResourceContents {
  const checks = runbook.checks
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const text = [
    `# ${runbook.name}`,
    "",
    `Covers: ${covers.map((tool) => `\`${tool}\``).join(", ")}`,
    "",
    "What a person checks before approving a call:",
    "",
    ...(checks.length > 0 ? checks.map((check) => `- ${check}`) : ["- (none written)"]),
    "",
  ].join("\n");
  return { uri: `${RUNBOOK_URI_PREFIX}${runbook.page_id}`, mimeType: "text/markdown", text };
}
