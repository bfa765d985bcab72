/**
 * Fixed test vectors for the ledger's entry hash, computed outside the project: each preimage below was written by
 * hand from docs/ledger.md#the-hash-chain and hashed with the shell one-liner beside it (GNU coreutils `sha256sum`;
 * `openssl dgst -sha256` gives the same hex). Writer and offline verifier share `entryHash`, so checking one against
 * the other proves nothing; these pin both to bytes and hashes anyone can recompute.
 *
 * The preimages are `String.raw`, so each is character for character what sits between the shell's single quotes
 * (a `\n` in them is the two characters JSON writes for a newline, as it is for `printf '%s'`).
 */
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256HexSync } from "../../src/ledger/canonical";
import { chainEntries, entryPreimage, GENESIS_HASH } from "../../src/ledger/chain";
import { decisionEntry, escalationEntry, outcomeEntry } from "../../src/ledger/entries";
import { EVIDENCE_SUMMARY_KIND } from "../../src/ledger/evidence";
import { verifyEvidence } from "../../src/ledger/evidence-verify";
import type { LedgerEntry } from "../../src/ledger/types";

const TENANT = "tenant_vectors";
const FIRST_APPEND_AT = "2026-12-06T14:04:54.595Z";
const SECOND_APPEND_AT = "2026-12-06T14:05:17.390Z";

interface Vector {
  name: string;
  /** The entry's preimage, written by hand. */
  bytes: string;
  /** `printf '%s' '<bytes>' | sha256sum`. */
  hash: string;
}

/** seq 1, the genesis link (prev_hash 64 zeros): a decision with a nested budget line and numbers. */
const decisionVector: Vector = {
  name: "decision at seq 1 (linked to the genesis)",
  // printf '%s' '{"at":"2026-12-06T14:04:54.595Z","body":{"agent_id":"agt_demo","alerts":[],"args_hash":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","budget":[{"amount":75000,"limit":100000,"policy_id":"daily-refund-cap","scope":"agent","subject":"agt_demo","unit":"usd_cents","window":"day"}],"capability_version":"1.0.0","client_id":null,"condition_errors":[],"correlation":{"correlation_id":"run-2026-12-06-0042","run_id":null,"session_id":null},"decision":"authorized","escalation_id":null,"guards":[],"policy_ids":["daily-refund-cap"],"reason_code":"default_allow","redactions":[],"shadow":[],"snapshot":"sha256:5ab9d2b5cfdb91365ad9729efd8a2aa025f953623c29302c9556ac7d4cad0a33","tags":["SOX"],"tool":"payments.create_refund"},"id":"led_1","invocation_id":"inv_1","kind":"decision","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"tenant_id":"tenant_vectors"}' | sha256sum
  bytes: String.raw`{"at":"2026-12-06T14:04:54.595Z","body":{"agent_id":"agt_demo","alerts":[],"args_hash":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","budget":[{"amount":75000,"limit":100000,"policy_id":"daily-refund-cap","scope":"agent","subject":"agt_demo","unit":"usd_cents","window":"day"}],"capability_version":"1.0.0","client_id":null,"condition_errors":[],"correlation":{"correlation_id":"run-2026-12-06-0042","run_id":null,"session_id":null},"decision":"authorized","escalation_id":null,"guards":[],"policy_ids":["daily-refund-cap"],"reason_code":"default_allow","redactions":[],"shadow":[],"snapshot":"sha256:5ab9d2b5cfdb91365ad9729efd8a2aa025f953623c29302c9556ac7d4cad0a33","tags":["SOX"],"tool":"payments.create_refund"},"id":"led_1","invocation_id":"inv_1","kind":"decision","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"tenant_id":"tenant_vectors"}`,
  hash: "dd3323cb3c0fb57070c8004e92edffb8bed9c35029f88996b4e8387cf803f0ec",
};

/** seq 2: an outcome with a nested guard hit and a string of raw UTF-8 (2, 3 and 4 bytes) and JSON escapes. */
const outcomeVector: Vector = {
  name: "outcome at seq 2 (nested body, unicode)",
  // printf '%s' '{"at":"2026-12-06T14:04:54.595Z","body":{"data_hash":"sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","denial_code":null,"error_code":null,"escalation_id":null,"guards":[{"found":["$.reply (email)","$.items[0].note (payment_card)"],"mode":"redact","policy_id":"no_pii_out","type":"privacy"}],"host_ref":"re_Zürich ✓ 😀\n\"q\"\t\u0007","outcome":"succeeded","status":"authorized"},"id":"led_2","invocation_id":"inv_1","kind":"outcome","prev_hash":"dd3323cb3c0fb57070c8004e92edffb8bed9c35029f88996b4e8387cf803f0ec","seq":2,"tenant_id":"tenant_vectors"}' | sha256sum
  bytes: String.raw`{"at":"2026-12-06T14:04:54.595Z","body":{"data_hash":"sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","denial_code":null,"error_code":null,"escalation_id":null,"guards":[{"found":["$.reply (email)","$.items[0].note (payment_card)"],"mode":"redact","policy_id":"no_pii_out","type":"privacy"}],"host_ref":"re_Zürich ✓ 😀\n\"q\"\t\u0007","outcome":"succeeded","status":"authorized"},"id":"led_2","invocation_id":"inv_1","kind":"outcome","prev_hash":"dd3323cb3c0fb57070c8004e92edffb8bed9c35029f88996b4e8387cf803f0ec","seq":2,"tenant_id":"tenant_vectors"}`,
  hash: "549bf1aa1b73973749848a9dc5c8d11b69d4fa33feafb8f7026c1c07cf6ad7cf",
};

/** seq 3, a later append: an escalation event no call caused, so its invocation_id is null. */
const escalationVector: Vector = {
  name: "escalation at seq 3 (null invocation_id)",
  // printf '%s' '{"at":"2026-12-06T14:05:17.390Z","body":{"agent_id":"agt_demo","decided_by":"ops@example.com","decision":"approved","escalation_id":"esc_1","event":"decided","source":"webhook","tool":"payments.create_refund"},"id":"led_3","invocation_id":null,"kind":"escalation","prev_hash":"549bf1aa1b73973749848a9dc5c8d11b69d4fa33feafb8f7026c1c07cf6ad7cf","seq":3,"tenant_id":"tenant_vectors"}' | sha256sum
  bytes: String.raw`{"at":"2026-12-06T14:05:17.390Z","body":{"agent_id":"agt_demo","decided_by":"ops@example.com","decision":"approved","escalation_id":"esc_1","event":"decided","source":"webhook","tool":"payments.create_refund"},"id":"led_3","invocation_id":null,"kind":"escalation","prev_hash":"549bf1aa1b73973749848a9dc5c8d11b69d4fa33feafb8f7026c1c07cf6ad7cf","seq":3,"tenant_id":"tenant_vectors"}`,
  hash: "a76cbfae21b2d6276d75040cc5e109faad55dcbfa5b8efda4a1e7f12e5b031f3",
};

const vectors = [decisionVector, outcomeVector, escalationVector];

/**
 * The three entries as the writer makes them: two appends, the second continuing from the hand-computed hash of
 * seq 2. Bodies are given with their members out of order, so the writer must sort them.
 */
function written(): LedgerEntry[] {
  const first = chainEntries({ seq: 0, hash: GENESIS_HASH }, TENANT, FIRST_APPEND_AT, [
    decisionEntry("inv_1", {
      tool: "payments.create_refund",
      agent_id: "agt_demo",
      capability_version: "1.0.0",
      args_hash: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      decision: "authorized",
      reason_code: "default_allow",
      policy_ids: ["daily-refund-cap"],
      snapshot: "sha256:5ab9d2b5cfdb91365ad9729efd8a2aa025f953623c29302c9556ac7d4cad0a33",
      shadow: [],
      alerts: [],
      condition_errors: [],
      tags: ["SOX"],
      redactions: [],
      guards: [],
      budget: [
        {
          window: "day",
          unit: "usd_cents",
          subject: "agt_demo",
          scope: "agent",
          policy_id: "daily-refund-cap",
          limit: 100000,
          amount: 75000,
        },
      ],
      escalation_id: null,
      client_id: null,
      correlation: { session_id: null, run_id: null, correlation_id: "run-2026-12-06-0042" },
    }),
    outcomeEntry("inv_1", {
      status: "authorized",
      outcome: "succeeded",
      host_ref: 're_Zürich ✓ 😀\n"q"\t\u0007',
      guards: [
        {
          type: "privacy",
          policy_id: "no_pii_out",
          mode: "redact",
          found: ["$.reply (email)", "$.items[0].note (payment_card)"],
        },
      ],
      escalation_id: null,
      error_code: null,
      denial_code: null,
      data_hash: "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
    }),
  ]);
  const second = chainEntries({ seq: 2, hash: outcomeVector.hash }, TENANT, SECOND_APPEND_AT, [
    escalationEntry(null, {
      event: "decided",
      tool: "payments.create_refund",
      source: "webhook",
      escalation_id: "esc_1",
      decision: "approved",
      decided_by: "ops@example.com",
      agent_id: "agt_demo",
    }),
  ]);
  return [...first, ...second];
}

/** An evidence export of the vectors: each entry line as stored (its hand-written fields plus `hash`), then a summary. */
function exportLines(hashes: string[]): string[] {
  const entries = vectors.map((vector, i) =>
    JSON.stringify({ ...(JSON.parse(vector.bytes) as object), hash: hashes[i] }),
  );
  const summary = {
    kind: EVIDENCE_SUMMARY_KIND,
    tenant_id: TENANT,
    tag: "SOX",
    from: null,
    to: null,
    entries: vectors.length,
    invocations: 1,
    head: { seq: vectors.length, hash: hashes[vectors.length - 1] },
    verify: "hash-vectors",
  };
  return [...entries, JSON.stringify(summary)];
}

/** `hash` with its last hex digit changed. */
function offByOne(hash: string): string {
  return hash.slice(0, -1) + (hash.endsWith("0") ? "1" : "0");
}

describe("the ledger's hash test vectors", () => {
  it.each(vectors.map((vector, index) => [vector.name, { ...vector, index }] as const))(
    "the writer gives the %s the hand-written bytes and their sha256sum hash",
    (_name, { bytes, hash, index }) => {
      const entry = written()[index]!;
      expect(entryPreimage(entry)).toBe(bytes);
      expect(entry.hash).toBe(hash);
      const { hash: _hash, ...unsealed } = entry;
      expect(unsealed).toEqual(JSON.parse(bytes));
    },
  );

  it("the writer links each vector to the one before it, and the first to 64 zeros", () => {
    const entries = written();
    expect(entries.map((entry) => entry.prev_hash)).toEqual([
      "0000000000000000000000000000000000000000000000000000000000000000",
      decisionVector.hash,
      outcomeVector.hash,
    ]);
  });

  it("the offline verifier accepts an export carrying the sha256sum hashes", () => {
    expect(verifyEvidence(exportLines(vectors.map((vector) => vector.hash)))).toMatchObject({
      ok: true,
      entries: 3,
      links: 2,
      problems: [],
    });
  });

  it.each(vectors.map((vector, i) => [vector.name, i + 1] as const))(
    "the offline verifier refuses the %s when its hash is one digit off",
    (_name, seq) => {
      const hashes = vectors.map((vector) => vector.hash);
      hashes[seq - 1] = offByOne(hashes[seq - 1]!);
      const verification = verifyEvidence(exportLines(hashes));
      expect(verification.ok).toBe(false);
      expect(verification.problems).toContainEqual({ line: seq, seq, problem: "the hash does not recompute" });
    },
  );

  it("the project's sha256 of each preimage is the sha256sum hex", () => {
    for (const { bytes, hash } of vectors) expect(sha256HexSync(bytes)).toBe(hash);
  });
});

describe("canonical JSON's vectors for what entries above do not show", () => {
  it("sorts keys by UTF-16 code unit, so an astral key sorts before U+FF5E (not after, as by code point)", () => {
    // printf '%s' '{"z":4,"é":3,"😀":2,"～":1}' | sha256sum
    const bytes = String.raw`{"z":4,"é":3,"😀":2,"～":1}`;
    expect(canonicalJson({ "～": 1, "😀": 2, é: 3, z: 4 })).toBe(bytes);
    expect(sha256HexSync(bytes)).toBe("c9772f6b16907bc46c81ad29e87190cae46362c18cb165ef6b45d427b789e1c3");
  });

  it("writes numbers as ECMAScript does: shortest form, exponent past 1e21 and below 1e-6, -0 as 0", () => {
    // printf '%s' '[1e+21,1.5,0,1e-7,-12,100000]' | sha256sum
    const bytes = String.raw`[1e+21,1.5,0,1e-7,-12,100000]`;
    expect(canonicalJson([1e21, 1.5, -0, 1e-7, -12, 1e5])).toBe(bytes);
    expect(sha256HexSync(bytes)).toBe("c01a2fefe5915bb8d7ff5b0809d2e7cdf29527f632198a91b023e4491b340851");
  });
});
