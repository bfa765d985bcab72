/**
 * PII redaction: time per ~3 KB JSON payload, and recall and false positives per detector on the generated corpus,
 * for our engine (src/redaction) and for redact-pii, a popular npm PII library, on the same payloads in the same run.
 */
import { loadavg } from "node:os";
import { SyncRedactor } from "redact-pii";
import { redact, redactText } from "../src/redaction";
import {
  HELD_OUT_DETECTORS,
  heldOut,
  heldOutRecall,
  scoreHeldOut,
  type HeldOutScore,
} from "./fixtures/held-out-corpus";
import {
  CORPUS_DETECTORS,
  piiCorpus,
  scoreRedactor,
  type CorpusPayload,
  type DetectorScore,
} from "./fixtures/pii-corpus";
import {
  atLeast,
  atMost,
  exactly,
  percentile,
  type BenchNote,
  type BenchOptions,
  type BenchReport,
  type BenchResult,
} from "./types";

const BASELINE = "redact-pii@3.4.0";

/** Applies `redactString` to every string leaf (and to the text of every number) of a JSON value, as a copy. */
function mapLeaves(value: unknown, redactString: (text: string) => string): unknown {
  if (typeof value === "string") return redactString(value);
  if (typeof value === "number") {
    const text = String(value);
    const redacted = redactString(text);
    return redacted === text ? value : redacted;
  }
  if (Array.isArray(value)) return value.map((item) => mapLeaves(item, redactString));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v, redactString)]));
  return value;
}

const baseline = new SyncRedactor();
const redactWithBaseline = (payload: unknown) => mapLeaves(payload, (text) => baseline.redact(text));
const redactWithOurs = (payload: unknown) => redact(payload).value;

/** Median over `batches` passes of ms per payload, after one warm-up pass. */
function msPerPayload(corpus: readonly CorpusPayload[], run: (payload: unknown) => unknown, batches: number): number {
  for (const item of corpus) run(item.payload);
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (const item of corpus) run(item.payload);
    samples.push((performance.now() - start) / corpus.length);
  }
  return percentile(samples, 50);
}

/** Recall per detector and the false-positive rate on the held-out corpus, ours beside the baseline's. */
function heldOutFigures(ours: HeldOutScore, theirs: HeldOutScore): { results: BenchResult[]; notes: BenchNote[] } {
  const results: BenchResult[] = [];
  const notes: BenchNote[] = [];
  for (const detector of HELD_OUT_DETECTORS) {
    const mine = ours.recall[detector];
    results.push(
      { name: `redact.held_out.recall.${detector}`, unit: "ratio", value: round(heldOutRecall(ours, detector), 4) },
      {
        name: `redact.baseline.held_out.recall.${detector}`,
        unit: "ratio",
        value: round(heldOutRecall(theirs, detector), 4),
      },
    );
    notes.push(
      {
        name: `redact.held_out.recall.${detector}`,
        target: atLeast(0.99, ""),
        summary: `held-out recall, ${detector}`,
        note: `${mine.found} of ${mine.positives} held-out values`,
      },
      {
        name: `redact.baseline.held_out.recall.${detector}`,
        note: `${BASELINE}: ${theirs.recall[detector].found} of ${theirs.recall[detector].positives}`,
      },
    );
  }
  const rate = (score: HeldOutScore) => score.falsePositives / score.negatives;
  const by = Object.entries(ours.falsePositivesBy)
    .map(([detector, count]) => `${detector} ${count}`)
    .join(", ");
  results.push(
    { name: "redact.held_out.false_positive_rate", unit: "ratio", value: round(rate(ours), 5) },
    { name: "redact.baseline.held_out.false_positive_rate", unit: "ratio", value: round(rate(theirs), 5) },
  );
  notes.push(
    {
      name: "redact.held_out.false_positive_rate",
      target: atMost(0.001, ""),
      summary: "held-out false positives (share of negatives changed)",
      note: `${ours.falsePositives} of ${ours.negatives} held-out negatives changed${by ? ` (${by})` : ""}`,
    },
    {
      name: "redact.baseline.held_out.false_positive_rate",
      note: `${BASELINE}: ${theirs.falsePositives} of ${theirs.negatives}`,
    },
  );
  return { results, notes };
}

const recall = (score: DetectorScore) => score.found / score.valid;
const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** Runs the redaction benchmark. */
export default async function redactBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const corpus = piiCorpus({ count: smoke ? 40 : 200 });
  const load = loadavg()[0]!.toFixed(1);
  const meanBytes = Math.round(corpus.reduce((sum, item) => sum + item.json.length, 0) / corpus.length);
  const ours = msPerPayload(corpus, redactWithOurs, smoke ? 5 : 200);
  log(`ours: ${ours.toFixed(4)} ms per payload (${meanBytes} bytes of JSON on average)`);
  const theirs = msPerPayload(corpus, redactWithBaseline, smoke ? 2 : 20);
  log(`${BASELINE}: ${theirs.toFixed(4)} ms per payload`);

  const ourScores = scoreRedactor(corpus, (item) => JSON.stringify(redactWithOurs(item.payload)));
  const theirScores = scoreRedactor(corpus, (item) => JSON.stringify(redactWithBaseline(item.payload)));

  const results: BenchResult[] = [
    { name: "redact.ms_per_3kb", unit: "ms", value: round(ours, 4) },
    { name: "redact.baseline.ms_per_3kb", unit: "ms", value: round(theirs, 4) },
  ];
  const notes: BenchNote[] = [
    {
      name: "redact.ms_per_3kb",
      target: atMost(0.1, "ms"),
      summary: "`redact()` per 3 KB payload",
      note: `median over the corpus of ${corpus.length} payloads, ${meanBytes} bytes each on average`,
    },
    {
      name: "redact.baseline.ms_per_3kb",
      note: `${BASELINE}, default SyncRedactor, applied to every JSON leaf; ${round(theirs / ours, 1)}× our time`,
    },
  ];
  for (const detector of CORPUS_DETECTORS) {
    const mine = ourScores[detector];
    const theirsScore = theirScores[detector];
    results.push(
      { name: `redact.recall.${detector}`, unit: "ratio", value: round(recall(mine), 4) },
      { name: `redact.false_positives.${detector}`, unit: "count", value: mine.falsePositives },
      { name: `redact.baseline.recall.${detector}`, unit: "ratio", value: round(recall(theirsScore), 4) },
      { name: `redact.baseline.false_positives.${detector}`, unit: "count", value: theirsScore.falsePositives },
    );
    notes.push(
      {
        name: `redact.recall.${detector}`,
        target: exactly(1),
        summary: `recall on the generated corpus, ${detector}`,
        note: `${mine.found} of ${mine.valid} valid values`,
      },
      {
        name: `redact.false_positives.${detector}`,
        target: exactly(0),
        summary: `false positives on the generated corpus, ${detector}`,
        note: `of ${mine.negatives} near misses and look-alikes`,
      },
      { name: `redact.baseline.recall.${detector}`, note: `${BASELINE}: ${theirsScore.found} of ${theirsScore.valid}` },
      {
        name: `redact.baseline.false_positives.${detector}`,
        note: `${BASELINE}: of ${theirsScore.negatives}`,
      },
    );
    log(
      `${detector}: ours recall ${recall(mine).toFixed(3)}, ${mine.falsePositives} false positives; ` +
        `${BASELINE} recall ${recall(theirsScore).toFixed(3)}, ${theirsScore.falsePositives} false positives`,
    );
  }

  const heldOutOurs = scoreHeldOut(heldOut.items, (text) => {
    const result = redactText(text);
    return { text: result.text, detectors: result.redactions.map((r) => r.detector) };
  });
  const heldOutTheirs = scoreHeldOut(heldOut.items, (text) => ({ text: baseline.redact(text) }));
  const held = heldOutFigures(heldOutOurs, heldOutTheirs);
  results.push(...held.results);
  notes.push(...held.notes);
  for (const detector of HELD_OUT_DETECTORS)
    log(
      `held-out ${detector}: ours recall ${heldOutRecall(heldOutOurs, detector).toFixed(3)}, ` +
        `${BASELINE} ${heldOutRecall(heldOutTheirs, detector).toFixed(3)}`,
    );
  log(`held-out false positives: ours ${heldOutOurs.falsePositives}, ${BASELINE} ${heldOutTheirs.falsePositives}`);

  return {
    title: "PII redaction (redact.*)",
    results,
    notes,
    method: `
The corpus is bench/fixtures/pii-corpus.ts: ${corpus.length} deterministic CRM payloads of about 3 KB of JSON
(${meanBytes} bytes on average), each with 12 planted values spread over the six detectors: half valid (varied
formats: grouped and bare cards of seven brands, Amex 4-6-5, compact and grouped IBANs of twelve countries, E.164 and
national phones, SSNs with dashes or spaces, AWS/GitHub/Slack/Stripe/OpenAI/Anthropic/Google keys, PEM blocks, JWTs,
and card numbers as JSON numbers), a quarter near misses (wrong Luhn or mod-97 check digit, SSN areas 000/666/9xx,
group 00 or serial 0000, IBANs one character long or short, keys too short, JWTs without \`alg\`, hosts without a
dotted domain) and a quarter benign look-alikes (order ids, dates, versions, IP addresses, zip+4 codes, UUIDs, digests),
half as whole string leaves and half inside a sentence. A quarter of the cards, SSNs and phones (valid or near misses)
are disguised by Unicode spaces, zero-width characters between digits or fullwidth digits, and some look-alikes carry
the same characters (no-break spaces in dates and amounts, fullwidth order ids, a non-breaking hyphen in a zip+4).

A valid value counts as found when its text is gone from the redacted JSON; a near miss or look-alike counts as a
false positive when its text is changed. Time is the median over ${smoke ? 5 : 200} passes over the corpus of the
mean time per payload, after a warm-up pass, with all six detectors on: \`redact(payload)\` walks the JSON and
returns a redacted copy and the record of paths. The one-minute load average when timing began was ${load} on this
2-core machine (other benchmarks and tests may share it), so times are upper bounds.

The baseline is **${BASELINE}** (npm, about 85,000 downloads a month, one of the most used regex PII redactors for JavaScript), run on the same
payloads in the same process: its default \`SyncRedactor\` applied to every string leaf and to the text of every
number leaf, as it only redacts strings. It has no IBAN or secret detector, and its default \`digits\` and \`names\`
rules replace any run of four or more digits and common first names, so its recall includes values caught by those
broad rules and its false positives count near misses and look-alikes changed by any rule.

The **held-out corpus** (\`redact.held_out.*\`) is test/redaction/held-out/corpus.json, ${heldOut.items.length} short
sentences written by test/redaction/held-out/generate.ts with ${heldOut.generator} (seed ${heldOut.seed}), never
edited to suit the detectors: emails and phones of eleven locales in faker's own styles, cards of six issuers and
IBANs of fifteen countries as faker writes them and retyped with dots, no-break or thin spaces or a zero-width joiner,
SSNs in the SSA's documented ranges, and tokens in their providers' documented formats (GitLab, Slack, AWS key ids
and secret keys, Stripe, GitHub, JWTs, PEM private keys, \`password=\`/\`passwd:\`/\`api_key=\` assignments), beside
${heldOut.items.filter((item) => !item.detector).length} benign negatives from faker (order ids, dates, prices, UUIDs,
ISBNs, git SHAs, product and part numbers, account and routing numbers, IP and MAC addresses). A positive is found when its
value's text is gone from the redacted sentence; a negative is a false positive when its sentence changed at all.
Both redactors are scored by these rules, each sentence redacted as one string.
`,
  };
}
