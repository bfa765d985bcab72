import { z } from "zod";
import { entryHash, entryId } from "./chain";
import { parseLedgerEntry } from "./entries";
import { EVIDENCE_SUMMARY_KIND, type EvidenceSummary } from "./evidence";

/** One thing wrong with an export: its line (1-based), the entry's seq when known, and what is wrong. */
export interface EvidenceProblem {
  line: number;
  seq: number | null;
  problem: string;
}

/** What checking an export found: entries read, chain links checked between them, the summary, every problem. */
export interface EvidenceVerification {
  ok: boolean;
  entries: number;
  links: number;
  summary: EvidenceSummary | null;
  problems: EvidenceProblem[];
}

/** One exported ledger entry as a line of an export holds it (extra members allowed: they are not hashed). */
export const entryLineSchema = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  tenant_id: z.string(),
  at: z.string(),
  // Any kind here: its hash is checked before its body is read, and parseLedgerEntry reports a kind it does not know.
  kind: z.string(),
  invocation_id: z.string().nullable(),
  body: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});

const summaryLineSchema = z.object({
  kind: z.literal(EVIDENCE_SUMMARY_KIND),
  tenant_id: z.string(),
  tag: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  entries: z.number().int().nonnegative(),
  invocations: z.number().int().nonnegative(),
  head: z.object({ seq: z.number().int().nonnegative(), hash: z.string() }),
  verify: z.string(),
}) satisfies z.ZodType<EvidenceSummary>;

/**
 * Checks an evidence export line by line, holding only the previous entry, so a file of any size streams through:
 * each entry's hash recomputes and its id is `led_<seq>`; entries ascend in seq and belong to one tenant; where two
 * exported entries are consecutive in seq, the later one's `prev_hash` is the earlier one's hash; the last line is
 * the summary, its count matches and its head is not behind the entries; each body matches its kind's schema at
 * its version (parseLedgerEntry). Pure: it needs no access to the ledger.
 *
 * @example const check = evidenceVerifier(); for (const line of lines) check.add(line); check.result().ok
 */
export function evidenceVerifier(): { add(line: string): void; result(): EvidenceVerification } {
  const problems: EvidenceProblem[] = [];
  let line = 0;
  let entries = 0;
  let links = 0;
  let previous: { seq: number; hash: string; tenant_id: string } | null = null;
  let summary: EvidenceSummary | null = null;
  const flag = (seq: number | null, problem: string) => problems.push({ line, seq, problem });

  const addSummary = (value: unknown) => {
    const parsed = summaryLineSchema.safeParse(value);
    if (!parsed.success) return flag(null, "the summary line is malformed");
    summary = parsed.data;
    if (summary.entries !== entries)
      flag(null, `the summary counts ${summary.entries} entries but ${entries} precede it`);
    if (previous === null) return;
    if (summary.tenant_id !== previous.tenant_id)
      flag(null, `the summary names tenant ${summary.tenant_id}, the entries ${previous.tenant_id}`);
    if (summary.head.seq < previous.seq) flag(null, `the head (seq ${summary.head.seq}) is behind the last entry`);
    else if (summary.head.seq === previous.seq && summary.head.hash !== previous.hash)
      flag(previous.seq, "the head is the last entry but its hash differs");
  };

  const addEntry = (value: unknown) => {
    const parsed = entryLineSchema.safeParse(value);
    if (!parsed.success) return flag(null, "not a ledger entry");
    const entry = parsed.data;
    entries++;
    if (entry.id !== entryId(entry.seq)) flag(entry.seq, `id ${entry.id} is not ${entryId(entry.seq)}`);
    if (entry.hash !== entryHash(entry)) flag(entry.seq, "the hash does not recompute");
    const body = parseLedgerEntry(entry);
    if (!body.ok) flag(entry.seq, body.problem);
    if (previous !== null) {
      if (entry.tenant_id !== previous.tenant_id) flag(entry.seq, `an entry of tenant ${entry.tenant_id}`);
      if (entry.seq <= previous.seq) flag(entry.seq, `seq ${entry.seq} does not follow seq ${previous.seq}`);
      else if (entry.seq === previous.seq + 1) {
        links++;
        if (entry.prev_hash !== previous.hash) flag(entry.seq, `prev_hash is not the hash of seq ${previous.seq}`);
      }
    }
    previous = { seq: entry.seq, hash: entry.hash, tenant_id: entry.tenant_id };
  };

  return {
    add(text) {
      line++;
      if (text.trim() === "") return;
      if (summary !== null) return void flag(null, "a line follows the summary");
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return void flag(null, "not JSON");
      }
      if (isSummaryLine(value)) addSummary(value);
      else addEntry(value);
    },
    result() {
      const found =
        summary === null
          ? [...problems, { line: line + 1, seq: null, problem: "no summary line: the export is incomplete" }]
          : [...problems];
      return { ok: found.length === 0, entries, links, summary, problems: found };
    },
  };
}

function isSummaryLine(value: unknown): boolean {
  return typeof value === "object" && value !== null && "kind" in value && value.kind === EVIDENCE_SUMMARY_KIND;
}

/**
 * {@link evidenceVerifier} over a whole export, given as its text or its lines.
 *
 * @example verifyEvidence(await response.text()) // { ok: true, entries: 6, links: 4, summary: {…}, problems: [] }
 */
export function verifyEvidence(lines: string | Iterable<string>): EvidenceVerification {
  const check = evidenceVerifier();
  for (const line of typeof lines === "string" ? lines.split("\n") : lines) check.add(line);
  return check.result();
}
