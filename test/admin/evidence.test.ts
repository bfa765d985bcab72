import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  chainEntries,
  decisionEntry,
  escalationEntry,
  GENESIS,
  outcomeEntry,
  type Ledger,
  type LedgerEntry,
  type LedgerEntryInput,
} from "../../src/ledger";
import { EVIDENCE_PAGE, evidenceLines } from "../../src/ledger/evidence";
import { verifyEvidence } from "../../src/ledger/evidence-verify";
import { bigRefund } from "../approvals/helpers";
import { fromB64, leafOf, openCheckpoint, TEST_VERIFIER_KEY, verifyInclusion } from "../ledger/checkpoint-helpers";
import { recorded } from "../ledger/recorded-bodies";
import { standardRows } from "../fixtures/policies";
import { ADMIN_TOKEN, BASE, admin, call, connect, newTenant } from "../support/worker";

/** Active compliance row: every payments call is SOX evidence. */
const soxPayments = {
  Name: "Payments are SOX evidence",
  "Policy ID": "sox_payments",
  Type: "compliance",
  Mode: "log",
  Status: "Active",
  Tools: "payments.*",
  Tags: ["SOX"],
};

/** A tenant under the standard policies plus the SOX row, with a connected agent. */
async function soxDesk() {
  const tenant = await newTenant({ rows: [...standardRows, soxPayments] });
  return { ...tenant, client: await connect(tenant.key) };
}

/** The export as an auditor downloads it: status, content type, text, and its lines parsed. */
async function exportEvidence(query: string) {
  const res = await SELF.fetch(`${BASE}/admin/evidence?${query}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  // Decoded as the UTF-8 that JSON Lines is, as an auditor's client reads it.
  const text = new TextDecoder().decode(await res.arrayBuffer());
  const lines = res.ok
    ? text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line))
    : [];
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    text,
    entries: lines.slice(0, -1),
    summary: lines.at(-1),
    error: res.ok ? null : JSON.parse(text).error,
  };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("compliance evidence export", () => {
  it("carries one signed checkpoint and, for each entry, its inclusion proof against it", async () => {
    const { tenant, client } = await soxDesk();
    await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    await call(client, "crm.get_contact", { contact_id: "con_001" });
    await call(client, "payments.lookup_customer", { customer_id: "cus_001" });

    const evidence = await exportEvidence(`tenant=${tenant}&tag=SOX`);
    expect(evidence.entries).toHaveLength(4);
    const checkpoint = await openCheckpoint(evidence.summary.checkpoint, TEST_VERIFIER_KEY);
    expect(checkpoint).toMatchObject({ signed: true, size: evidence.summary.head.seq });
    for (const entry of evidence.entries) {
      const proof = entry.inclusion_proof;
      expect(proof).toMatchObject({ leaf_index: entry.seq - 1, tree_size: checkpoint.size });
      const included = await verifyInclusion(
        proof.leaf_index,
        proof.tree_size,
        await leafOf(entry),
        fromB64(proof.hashes),
        checkpoint.root,
      );
      expect(included, `entry ${entry.seq}`).toBe(true);
    }
    // The proofs ride beside the entries: each line still verifies offline as before.
    expect(verifyEvidence(evidence.text)).toMatchObject({ ok: true, entries: 4 });
  });

  it("holds exactly the tagged calls' decision, escalation and outcome entries, and a summary", async () => {
    const { tenant, client } = await soxDesk();
    const lookup = await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    const held = await call(client, "payments.create_refund", bigRefund);
    const blocked = await call(client, "crm.delete_contact", { contact_id: "con_001" });
    const contact = await call(client, "crm.get_contact", { contact_id: "con_001" });
    expect([lookup.outcome.outcome, held.outcome.outcome, blocked.outcome.outcome, contact.outcome.outcome]).toEqual([
      "succeeded",
      "pending_approval",
      "denied",
      "succeeded",
    ]);

    const evidence = await exportEvidence(`tenant=${tenant}&tag=SOX`);
    expect(evidence.status).toBe(200);
    expect(evidence.type).toMatch(/^application\/x-ndjson/);
    const tagged = [lookup.outcome.invocation_id, held.outcome.invocation_id];
    expect(evidence.entries.map((e) => [e.invocation_id, e.kind])).toEqual([
      [tagged[0], "decision"],
      [tagged[0], "outcome"],
      [tagged[1], "decision"],
      [tagged[1], "escalation"],
      [tagged[1], "outcome"],
    ]);
    // Each entry is what the ledger stores (beside its inclusion proof), under the same id the call's outcome cites.
    const cited = [...lookup.outcome.evidence_ids, ...held.outcome.evidence_ids];
    expect(evidence.entries.map((e) => e.id)).toEqual(cited);
    const stored = (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries;
    const asStored = (entry: object) =>
      Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "inclusion_proof"));
    for (const entry of evidence.entries) expect(stored).toContainEqual(asStored(entry));
    expect(evidence.entries.filter((e) => e.kind === "decision").map((e) => e.body.tags)).toEqual([["SOX"], ["SOX"]]);
    expect(evidence.summary).toMatchObject({
      kind: "evidence_summary",
      tenant_id: tenant,
      tag: "SOX",
      from: null,
      to: null,
      entries: 5,
      invocations: 2,
    });
    expect(evidence.summary.verify).toMatch(/^how to check: .*sha256.*prev_hash.*\/admin\/ledger\/verify/);
  });

  it("exports only the decisions taken in the window [from, to)", async () => {
    const { tenant, client } = await soxDesk();
    const before = await call(client, "payments.lookup_customer", { customer_id: "cus_001" });
    await pause();
    const start = new Date().toISOString();
    await pause();
    const during = await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    await pause();
    const end = new Date().toISOString();
    await pause();
    const after = await call(client, "payments.lookup_customer", { customer_id: "cus_003" });
    const invocations = async (query: string) =>
      new Set((await exportEvidence(`tenant=${tenant}&tag=SOX${query}`)).entries.map((e) => e.invocation_id));

    expect(await invocations(`&from=${start}&to=${end}`)).toEqual(new Set([during.outcome.invocation_id]));
    expect(await invocations(`&from=${start}`)).toEqual(
      new Set([during.outcome.invocation_id, after.outcome.invocation_id]),
    );
    expect(await invocations(`&to=${end}`)).toEqual(
      new Set([before.outcome.invocation_id, during.outcome.invocation_id]),
    );
    const windowed = await exportEvidence(`tenant=${tenant}&tag=SOX&from=${start}&to=${end}`);
    expect(windowed.summary).toMatchObject({ from: start, to: end, entries: 2, invocations: 1 });
  });

  it("exports nothing but the summary for a tag no decision carries, and matches tags exactly", async () => {
    const { tenant, client } = await soxDesk();
    await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    for (const tag of ["GDPR", "sox", "SO"]) {
      const evidence = await exportEvidence(`tenant=${tenant}&tag=${tag}`);
      expect(evidence.entries).toEqual([]);
      expect(evidence.summary).toMatchObject({ tag, entries: 0, invocations: 0 });
      expect(verifyEvidence(evidence.text).ok).toBe(true);
    }
  });

  it("verifies every exported entry on its own, and the summary's head is the verified ledger's head", async () => {
    const { tenant, client } = await soxDesk();
    await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    await call(client, "crm.get_contact", { contact_id: "con_001" });
    await call(client, "payments.create_refund", bigRefund);
    await call(client, "crm.delete_contact", { contact_id: "con_001" });
    const evidence = await exportEvidence(`tenant=${tenant}&tag=SOX`);

    const verification = verifyEvidence(evidence.text);
    expect(verification).toMatchObject({ ok: true, entries: 5, problems: [] });
    // seq 1-2 (the lookup) and seq 5-7 (the held refund) are consecutive runs: three links to check.
    expect(verification.links).toBe(3);

    const verified = (await admin("GET", `/ledger/verify?tenant=${tenant}`)).body;
    const ledger = (await admin("GET", `/ledger?tenant=${tenant}`)).body;
    expect(verified).toEqual({ ok: true, entries: evidence.summary.head.seq, first_bad_seq: null });
    expect(evidence.summary.head).toEqual({ seq: ledger.head.seq, hash: ledger.head.hash });
  });

  it("shows an auditor an altered entry, a broken link, a dropped summary and a miscount", async () => {
    const { tenant, client } = await soxDesk();
    await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    await call(client, "payments.lookup_customer", { customer_id: "cus_001" });
    const lines = (await exportEvidence(`tenant=${tenant}&tag=SOX`)).text.trimEnd().split("\n");
    const problems = (edited: string[]) => verifyEvidence(edited).problems.map((p) => [p.seq, p.problem]);

    const denied = lines.map((line, i) => (i === 0 ? line.replace('"authorized"', '"denied"') : line));
    // seq 1 is the release of the desk's policies; the first lookup's decision is seq 2.
    expect(problems(denied)).toEqual([[2, "the hash does not recompute"]]);

    const relinked = lines.map((line, i) =>
      i === 1 ? line.replace(/"prev_hash":"\w+"/, `"prev_hash":"${"0".repeat(64)}"`) : line,
    );
    expect(problems(relinked)).toContainEqual([3, "prev_hash is not the hash of seq 2"]);

    expect(problems(lines.slice(0, -1))).toEqual([[null, "no summary line: the export is incomplete"]]);
    expect(problems([...lines.slice(0, 1), ...lines.slice(2)])).toEqual([
      [null, "the summary counts 4 entries but 3 precede it"],
    ]);
  });

  it("never shows another tenant's entries", async () => {
    const ours = await soxDesk();
    const theirs = await soxDesk();
    const mine = await call(ours.client, "payments.lookup_customer", { customer_id: "cus_002" });
    const other = await call(theirs.client, "payments.lookup_customer", { customer_id: "cus_002" });
    expect(other.outcome).toMatchObject({ outcome: "succeeded", invocation_id: expect.any(String) });

    const evidence = await exportEvidence(`tenant=${ours.tenant}&tag=SOX`);
    expect(new Set(evidence.entries.map((e) => e.tenant_id))).toEqual(new Set([ours.tenant]));
    expect(evidence.entries.map((e) => e.invocation_id)).toEqual([
      mine.outcome.invocation_id,
      mine.outcome.invocation_id,
    ]);
    expect(evidence.text).not.toContain(other.outcome.invocation_id);
    expect(evidence.summary.tenant_id).toBe(ours.tenant);
  });

  it("answers 400 naming a bad from, a missing tag, or a window that ends before it starts", async () => {
    const { tenant } = await soxDesk();
    const badFrom = await exportEvidence(`tenant=${tenant}&tag=SOX&from=last-tuesday`);
    expect(badFrom.status).toBe(400);
    expect(badFrom.error).toMatchObject({ code: "invalid_request", details: [{ path: "from" }] });
    expect(badFrom.error.message).toMatch(/\bfrom\b/);

    const noTag = await exportEvidence(`tenant=${tenant}`);
    expect(noTag.status).toBe(400);
    expect(noTag.error).toMatchObject({ code: "invalid_request", details: [{ path: "tag" }] });
    expect(noTag.error.message).toMatch(/\btag\b/);
    expect((await exportEvidence(`tenant=${tenant}&tag=%20`)).status).toBe(400);

    const backwards = await exportEvidence(`tenant=${tenant}&tag=SOX&from=2026-02-01&to=2026-01-01`);
    expect(backwards.status).toBe(400);
    expect(backwards.error.details).toEqual([{ path: "to", message: "must be later than from" }]);
  });

  it("asks for the admin token and a tenant like every admin route", async () => {
    const anonymous = await SELF.fetch(`${BASE}/admin/evidence?tag=SOX&tenant=x`);
    expect(anonymous.status).toBe(401);
    const missing = await exportEvidence("tenant=no-such-tenant&tag=SOX");
    expect([missing.status, missing.error.code]).toEqual([404, "tenant_not_found"]);
  });

  it("reads a large ledger a page at a time, up to the head it started from", async () => {
    // 3,000 entries: 1,000 calls (every fourth one SOX), each a decision then an outcome, and for SOX calls an
    // escalation decided in Notion (no invocation id) far later in the chain.
    const inputs: LedgerEntryInput[] = [];
    for (let i = 0; i < 1000; i++) {
      const sox = i % 4 === 0;
      const body = {
        ...recorded.decisionApproved,
        tags: sox ? ["SOX"] : ["PCI"],
        escalation_id: sox ? `esc_${i}` : null,
      };
      inputs.push(decisionEntry(`inv_${i}`, body));
      inputs.push(outcomeEntry(`inv_${i}`, recorded.outcomeSucceeded));
    }
    for (let i = 0; i < 1000; i++)
      inputs.push(escalationEntry(null, { ...recorded.escalationDecided, escalation_id: `esc_${i}` }));
    let stored = chainEntries(GENESIS, "acme", "2026-01-15T12:00:00.000Z", inputs);
    const asked: number[] = [];
    const ledger: Pick<Ledger, "head" | "list"> = {
      head: async () => ({ tenant_id: "acme", entries: stored.length, seq: stored.length, hash: stored.at(-1)!.hash }),
      list: async ({ after_seq = 0, limit = 100 } = {}) => {
        asked.push(limit);
        const page = stored.slice(after_seq, after_seq + limit);
        // An entry appended while the export runs is past the head it started from.
        if (asked.length === 1)
          stored = [...stored, ...chainEntries(stored.at(-1)!, "acme", "2026-01-15T12:00:01.000Z", inputs.slice(0, 2))];
        return page;
      },
    };

    const lines: string[] = [];
    for await (const line of evidenceLines(ledger, "acme", { tag: "SOX", from: null, to: null })) lines.push(line);
    const verification = verifyEvidence(lines);
    expect(verification).toMatchObject({ ok: true, entries: 750 });
    expect(verification.summary).toMatchObject({ entries: 750, invocations: 250, head: { seq: 3000 } });
    expect(Math.max(...asked)).toBe(EVIDENCE_PAGE);
    expect(asked).toHaveLength(Math.ceil(3000 / EVIDENCE_PAGE));
    const entries = lines.slice(0, -1).map((line) => JSON.parse(line) as LedgerEntry);
    expect(entries.filter((e) => e.kind === "escalation").map((e) => e.body.escalation_id)).toHaveLength(250);
    expect(entries.every((e) => e.seq <= 3000)).toBe(true);
  });
});
