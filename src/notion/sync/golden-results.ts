import { APIErrorCode, isNotionClientError, type Client } from "@notionhq/client";
import type { LastGoldenResult } from "../../db/golden-tasks";
import { markGoldenResultWritten, notionGoldenResults } from "../../db/notion-golden-tasks";
import { richText } from "../page-properties";
import { LAST_RESULT } from "./golden-tasks";
import type { WriteBackResult } from "./write-back";

/** What a Golden tasks row's Last result says about its task's last check (one line, computed in code). */
export function goldenResultText(result: LastGoldenResult | null): string {
  if (result === null) return "not checked since the row last changed: the next candidate snapshot checks it";
  const where = result.release_id ? `release ${result.release_id}` : `snapshot ${result.snapshot.slice(0, 12)}`;
  const when = `${where}, ${result.at.slice(0, 16).replace("T", " ")} UTC`;
  const expected = result.expected_reason ? `${result.expected} (${result.expected_reason})` : result.expected;
  if (result.passed) return `passed — ${expected} as expected (${when})`;
  if (result.got === "unresolved")
    return `failed — expected ${expected}, could not be decided: ${result.reason_code} (${when})`;
  return `failed — expected ${expected}, got ${result.got} (${result.reason_code}) (${when})`;
}

/**
 * Writes each Notion-set golden task's last result to its row's Last result, only where the row does not show it
 * yet. Paced by the gate like every write-back; stops when `stop()` says a sync waits (the next pass goes on). A
 * row Notion no longer takes (deleted, or without the column) is recorded as written so it is not retried.
 */
export async function writeGoldenResults(
  db: D1Database,
  client: Client,
  tenant_id: string,
  stop: () => boolean,
  count: () => void,
): Promise<WriteBackResult> {
  const result: WriteBackResult = { written: 0, skipped: 0, pending: 0 };
  const due = (await notionGoldenResults(db, tenant_id))
    .map((task) => ({ ...task, text: goldenResultText(task.last_result) }))
    .filter((task) => task.text !== task.written);
  for (const [index, task] of due.entries()) {
    if (stop()) {
      result.pending += due.length - index;
      return result;
    }
    try {
      count();
      await client.pages.update({
        page_id: task.page_id,
        properties: { [LAST_RESULT]: { rich_text: richText(task.text) } },
      });
      await markGoldenResultWritten(db, tenant_id, task.page_id, task.text);
      result.written++;
    } catch (error) {
      if (isNotionClientError(error) && HOPELESS.includes(error.code)) {
        await markGoldenResultWritten(db, tenant_id, task.page_id, task.text);
        result.skipped++;
        continue;
      }
      // Notion is down or slow: what is left waits for the next pass.
      result.pending += due.length - index;
      result.error = error instanceof Error ? error.message : String(error);
      return result;
    }
  }
  return result;
}

const HOPELESS: readonly string[] = [
  APIErrorCode.ObjectNotFound,
  APIErrorCode.ValidationError,
  APIErrorCode.RestrictedResource,
];
