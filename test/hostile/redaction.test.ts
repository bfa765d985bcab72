import { env } from "cloudflare:test";
import { isFullBlock } from "@notionhq/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulatorNetwork } from "../emulator/helpers";
import { standardRows } from "../fixtures/policies";
import { blockTextOf, connectedTenant } from "../support/notion-tenant";
import { admin, call, connect, newTenant, rawMcp } from "../support/worker";

useEmulatorNetwork();

/**
 * PII written to dodge the detectors, wherever a caller can put it: in an argument of a held call (stored for the
 * Approvals page), the tool name, `_meta` correlation ids, or the User-Agent. Each row reads back the records the
 * call left (its ledger entries, its audit row, its escalation with the arguments an approver sees) and finds the
 * value redacted there, and its raw form nowhere.
 */

let key = "";
let tenant = "";

beforeAll(async () => {
  ({ key, tenant } = await newTenant({ rows: standardRows }));
});

/** ASCII digits written as the Unicode digits whose zero is `zero`. */
const digitsFrom = (zero: number, text: string) => text.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
/** `sep` between every character of `text`. */
const between = (text: string, sep: string) => [...text].join(sep);

const NBSP = "\u00a0";
const THIN = "\u2009";
const ZWJ = "\u200d";
const ZWSP = "\u200b";
const FULLWIDTH = 0xff10;
const ARABIC_INDIC = 0x660;

type Place = "argument" | "tool" | "correlation_id" | "run_id" | "session_id" | "user-agent";

interface Row {
  name: string;
  pii: string;
  detector: string;
  place: Place;
}

const cases: Row[] = [
  // Card numbers.
  {
    name: "a card number grouped by no-break spaces",
    pii: "4111 1111 1111 1111".replaceAll(" ", NBSP),
    detector: "payment_card",
    place: "argument",
  },
  {
    name: "a card number grouped by thin spaces",
    pii: "5555 5555 5555 4444".replaceAll(" ", THIN),
    detector: "payment_card",
    place: "argument",
  },
  {
    name: "a card number with zero-width joiners between digits",
    pii: between("4012888888881881", ZWJ),
    detector: "payment_card",
    place: "argument",
  },
  {
    name: "a card number in fullwidth digits",
    pii: digitsFrom(FULLWIDTH, "4111 1111 1111 1111"),
    detector: "payment_card",
    place: "argument",
  },
  {
    name: "a card number in Arabic-Indic digits",
    pii: digitsFrom(ARABIC_INDIC, "4111-1111-1111-1111"),
    detector: "payment_card",
    place: "argument",
  },
  { name: "a card number grouped by dots", pii: "4111.1111.1111.1111", detector: "payment_card", place: "argument" },
  {
    name: "a card number with mixed separators",
    pii: `4111-1111${NBSP}1111.1111`,
    detector: "payment_card",
    place: "argument",
  },
  {
    name: "a card number with soft hyphens",
    pii: "3782\u00ad822463\u00ad10005",
    detector: "payment_card",
    place: "argument",
  },
  // SSNs.
  { name: "an SSN with en dashes", pii: "123\u201345\u20136789", detector: "us_ssn", place: "argument" },
  { name: "an SSN grouped by dots", pii: "123.45.6789", detector: "us_ssn", place: "argument" },
  {
    name: "an SSN in fullwidth digits",
    pii: digitsFrom(FULLWIDTH, "123-45-6789"),
    detector: "us_ssn",
    place: "argument",
  },
  {
    name: "an SSN in Arabic-Indic digits",
    pii: digitsFrom(ARABIC_INDIC, "123-45-6789"),
    detector: "us_ssn",
    place: "argument",
  },
  {
    name: "an SSN with zero-width spaces between digits",
    pii: between("123-45-6789", ZWSP),
    detector: "us_ssn",
    place: "argument",
  },
  // Phones.
  {
    name: "a phone grouped by thin spaces",
    pii: "+44 20 7946 0958".replaceAll(" ", THIN),
    detector: "phone",
    place: "argument",
  },
  {
    name: "a phone with a no-break space and a soft hyphen",
    pii: `(415)${NBSP}555-267\u00ad1`,
    detector: "phone",
    place: "argument",
  },
  // Emails.
  {
    name: "an email with a zero-width space in it",
    pii: `pat${ZWSP}.doe@example.com`,
    detector: "email",
    place: "argument",
  },
  { name: "an email with fullwidth dots", pii: "pat\uff0edoe@example\uff0ecom", detector: "email", place: "argument" },
  // IBANs.
  {
    name: "an IBAN grouped by no-break spaces",
    pii: "DE89 3704 0044 0532 0130 00".replaceAll(" ", NBSP),
    detector: "iban",
    place: "argument",
  },
  {
    name: "an IBAN grouped by thin spaces",
    pii: "GB82 WEST 1234 5698 7654 32".replaceAll(" ", THIN),
    detector: "iban",
    place: "argument",
  },
  // Secrets.
  {
    name: "a GitHub token",
    pii: `ghp_${"aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"}`,
    detector: "secret",
    place: "argument",
  },
  { name: "an AWS access key id", pii: "AKIAZ7QWERTY12345678", detector: "secret", place: "argument" },
  // Outside the arguments.
  {
    name: "a card number with no-break spaces as the tool name",
    pii: "4111 1111 1111 1111".replaceAll(" ", NBSP),
    detector: "payment_card",
    place: "tool",
  },
  {
    name: "an SSN in fullwidth digits as the tool name",
    pii: digitsFrom(FULLWIDTH, "123-45-6789"),
    detector: "us_ssn",
    place: "tool",
  },
  {
    name: "an email with a zero-width space as the tool name",
    pii: `ops${ZWSP}@example.com`,
    detector: "email",
    place: "tool",
  },
  {
    name: "an email in the correlation id",
    pii: `for pat${ZWSP}@example.com`,
    detector: "email",
    place: "correlation_id",
  },
  {
    name: "a card number in Arabic-Indic digits in the correlation id",
    pii: digitsFrom(ARABIC_INDIC, "4111 1111 1111 1111"),
    detector: "payment_card",
    place: "correlation_id",
  },
  {
    name: "an SSN with thin spaces in the run id",
    pii: `run 123${THIN}45${THIN}6789`,
    detector: "us_ssn",
    place: "run_id",
  },
  { name: "a phone in the session id", pii: "session +1 415 555 2671", detector: "phone", place: "session_id" },
  {
    name: "an IBAN in the session id",
    pii: `DE89${NBSP}3704${NBSP}0044${NBSP}0532${NBSP}0130${NBSP}00`,
    detector: "iban",
    place: "session_id",
  },
  {
    name: "an SSN grouped by dots in the User-Agent",
    pii: "agent/1.0 (ssn 123.45.6789)",
    detector: "us_ssn",
    place: "user-agent",
  },
  {
    name: "an email in the User-Agent",
    pii: "agent/1.0 (pat.doe@example.com)",
    detector: "email",
    place: "user-agent",
  },
  {
    name: "a card number with no-break spaces in the User-Agent",
    pii: `agent/1.0 card 4111${NBSP}1111${NBSP}1111${NBSP}1111`,
    detector: "payment_card",
    place: "user-agent",
  },
  {
    name: "an SSN in fullwidth digits in the User-Agent",
    pii: `agent/1.0 (ssn ${digitsFrom(FULLWIDTH, "123-45-6789")})`,
    detector: "us_ssn",
    place: "user-agent",
  },
  {
    name: "an email with a zero-width space in the User-Agent",
    pii: `agent/1.0 pat${ZWSP}@example.com`,
    detector: "email",
    place: "user-agent",
  },
  {
    name: "a card number with mixed separators in the User-Agent",
    pii: "agent/1.0 4111-1111 1111.1111",
    detector: "payment_card",
    place: "user-agent",
  },
];

/** A held refund (over the $500 limit), so its arguments are stored for the approval page. */
const heldRefund = (reason: string) => ({ customer_id: "cus_002", amount_cents: 75_000 + reason.length, reason });

/** Sends the row's call; returns its outcome. */
async function send({ pii, place }: Row) {
  const name = place === "tool" ? pii : "payments.create_refund";
  const args = heldRefund(place === "argument" ? `customer note: ${pii}` : "damaged in transit");
  const meta = place === "correlation_id" || place === "run_id" || place === "session_id" ? { [place]: pii } : {};
  const res = await rawMcp(
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args, _meta: meta } }),
    { authorization: `Bearer ${key}`, ...(place === "user-agent" ? { "user-agent": pii } : {}) },
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as any).result.structuredContent;
}

/** The records a call left: its ledger entries, its audit row (written just after the answer), its escalation. */
async function recordsOf(invocation_id: string) {
  const ledger = ((await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries as any[]).filter(
    (entry) => entry.invocation_id === invocation_id,
  );
  let audit: any[] = [];
  for (let attempt = 0; audit.length === 0 && attempt < 100; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const rows = (await admin("GET", `/audit?tenant=${tenant}&limit=1000`)).body.rows as any[];
    audit = rows.filter((row) => row.invocation_id === invocation_id);
  }
  const escalations = (
    (await admin("GET", `/escalations?tenant=${tenant}&limit=500`)).body.escalations as any[]
  ).filter((escalation) => escalation.invocation_id === invocation_id);
  return { ledger, audit, escalations };
}

/** Record text with ids, hashes and times removed, so a digit run found in it can only have come from the caller. */
const withoutIdsAndHashes = (text: string) =>
  text.replace(/[0-9a-f]{16,}/g, "#").replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "#");

/** The ASCII digits of a value, however they were written, when it has at least 9. */
function digitRun(pii: string): string | null {
  const digits = [...pii]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (code >= FULLWIDTH && code < FULLWIDTH + 10) return String(code - FULLWIDTH);
      if (code >= ARABIC_INDIC && code < ARABIC_INDIC + 10) return String(code - ARABIC_INDIC);
      return /\d/.test(char) ? char : "";
    })
    .join("");
  return digits.length >= 9 ? digits : null;
}

describe("PII that dodges the eye, in every place a caller controls", () => {
  it.for(cases)("$name ($place) is redacted in the ledger, audit row and stored arguments", async (row) => {
    const outcome = await send(row);
    // The call's own outcome first: it was recorded (held, or refused as an unknown tool), with its evidence.
    if (row.place === "tool") expect(outcome).toMatchObject({ outcome: "invalid", error: { code: "unknown_tool" } });
    // A run id Policy OS did not mint is refused, and recorded like every denial.
    else if (row.place === "run_id")
      expect(outcome).toMatchObject({ outcome: "denied", denial: { code: "unknown_run" } });
    else expect(outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
    expect(outcome.evidence_ids.length).toBeGreaterThanOrEqual(2);

    const records = await recordsOf(outcome.invocation_id);
    expect(records.ledger.length).toBe(outcome.evidence_ids.length);
    expect(records.audit).toHaveLength(1);
    const text = JSON.stringify(records);
    expect(text).toContain(`[REDACTED:${row.detector}]`);
    expect(text).not.toContain(row.pii);
    const digits = digitRun(row.pii);
    if (digits) expect(withoutIdsAndHashes(text)).not.toContain(digits);
    // What the agent is told is redacted the same way (the outcome is what the agent's logs keep).
    if (row.place !== "argument") expect(JSON.stringify(outcome)).not.toContain(row.pii);
  });

  it("an SSN as an argument key ends invalid, and no record holds the key", async () => {
    const res = await rawMcp(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "payments.create_refund", arguments: { ...heldRefund("x"), "123-45-6789": "ssn" } },
      }),
      { authorization: `Bearer ${key}` },
    );
    const outcome = ((await res.json()) as any).result.structuredContent;
    expect(outcome).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
    const records = await recordsOf(outcome.invocation_id);
    expect(records.ledger.map((entry) => entry.kind)).toEqual(["decision", "outcome"]);
    expect(records.audit).toHaveLength(1);
    expect(withoutIdsAndHashes(JSON.stringify(records))).not.toContain("123456789");
    expect(JSON.stringify(records)).not.toContain("123-45-6789");
  });
});

describe("PII on the Approvals page an approver reads", () => {
  let t: Awaited<ReturnType<typeof connectedTenant>>;
  beforeAll(async () => {
    t = await connectedTenant();
  }, 40_000);
  afterAll(async () => {
    await admin("DELETE", `/notion?tenant=${t.tenant}`);
  }, 40_000);

  /** The text of an escalation's Approvals page (its properties and blocks), once the page is written. */
  async function pageText(escalation_id: string): Promise<string> {
    let page_id: string | null = null;
    for (let attempt = 0; !page_id && attempt < 200; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      const row = await env.DB.prepare("SELECT notion_page_id FROM escalations WHERE id = ?")
        .bind(escalation_id)
        .first<{ notion_page_id: string | null }>();
      page_id = row?.notion_page_id ?? null;
    }
    expect(page_id).not.toBeNull();
    const page = await t.manager.pages.retrieve({ page_id: page_id! });
    const blocks = (await t.manager.blocks.children.list({ block_id: page_id!, page_size: 100 })).results;
    return JSON.stringify([page, blocks.filter(isFullBlock).map(blockTextOf), blocks]);
  }

  it.for([
    {
      name: "a card number grouped by no-break spaces",
      pii: `4111${NBSP}1111${NBSP}1111${NBSP}1111`,
      detector: "payment_card",
    },
    { name: "an SSN in Arabic-Indic digits", pii: digitsFrom(ARABIC_INDIC, "123-45-6789"), detector: "us_ssn" },
    { name: "an email with a zero-width space", pii: `pat${ZWSP}.doe@example.com`, detector: "email" },
  ])("$name in a held call's argument is redacted on its page", async ({ pii, detector }) => {
    const held = await call(
      await connect(t.key),
      "payments.create_refund",
      {
        customer_id: "cus_001",
        amount_cents: 60_000 + pii.length,
        reason: `note ${pii}`,
      },
      { correlation_id: `cid ${pii}` },
    );
    expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
    const text = await pageText(held.outcome.escalation_id!);
    expect(text).toContain(`[REDACTED:${detector}]`);
    expect(text).not.toContain(pii);
    expect(text).not.toContain(digitRun(pii) ?? pii);
  });
});
