import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ledgerAdminRoutes } from "../../src/admin/ledger-routes";
import type { Env } from "../../src/env";
import { ledgerFor, type LedgerEntry } from "../../src/ledger";
import {
  fromB64,
  interior,
  leafOf,
  openCheckpoint,
  same,
  TEST_VERIFIER_KEY,
  verifyInclusion,
} from "../ledger/checkpoint-helpers";
import { decision } from "../ledger/helpers";
import { ADMIN_TOKEN, BASE, admin, newTenant } from "../support/worker";

async function verifyConsistency(first: number, second: number, r1: Uint8Array, r2: Uint8Array, proof: Uint8Array[]) {
  if (first === second) return proof.length === 0 && same(r1, r2);
  const path = (first & (first - 1)) === 0 ? [r1, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await interior(c, fr);
      sr = await interior(c, sr);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else sr = await interior(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return same(fr, r1) && same(sr, r2) && sn === 0;
}

/** GETs an admin path as text. */
async function getText(path: string) {
  const res = await SELF.fetch(`${BASE}/admin${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

/** A tenant whose ledger holds `count` decision entries, appended straight to its ledger. */
async function tenantWithEntries(count: number) {
  const { tenant } = await newTenant();
  const ledger = ledgerFor(env as unknown as Env, tenant);
  await ledger.append(
    tenant,
    Array.from({ length: count }, (_, n) => decision(n + 1)),
  );
  return { tenant, ledger };
}

async function entriesOf(tenant: string): Promise<LedgerEntry[]> {
  return (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries;
}

describe("the ledger's signed checkpoints and proofs", () => {
  it("publishes the verifier key of the signing key", async () => {
    const key = await getText("/ledger/key");
    expect(key).toMatchObject({ status: 200, text: TEST_VERIFIER_KEY });
    expect(key.type).toMatch(/^text\/plain/);
  });

  it("signs a checkpoint of the current size that verifies against the published key", async () => {
    const { tenant } = await tenantWithEntries(5);
    const res = await getText(`/ledger/checkpoint?tenant=${tenant}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    const checkpoint = await openCheckpoint(res.text, (await getText("/ledger/key")).text);
    expect(checkpoint).toMatchObject({ signed: true, origin: `policy-os.test/policy-os/${tenant}`, size: 5 });

    const altered = res.text.replace(`\n5\n`, `\n4\n`);
    expect((await openCheckpoint(altered, TEST_VERIFIER_KEY)).signed).toBe(false);
  });

  it("proves every entry is included in the signed tree, at the current size and at an earlier one", async () => {
    const { tenant, ledger } = await tenantWithEntries(5);
    const early = await openCheckpoint((await getText(`/ledger/checkpoint?tenant=${tenant}`)).text, TEST_VERIFIER_KEY);
    for (let n = 6; n <= 13; n++) await ledger.append(tenant, [decision(n)]);
    const late = await openCheckpoint((await getText(`/ledger/checkpoint?tenant=${tenant}`)).text, TEST_VERIFIER_KEY);
    expect([early.size, late.size]).toEqual([5, 13]);
    const entries = await entriesOf(tenant);

    for (const entry of entries) {
      const { status, body } = await admin("GET", `/ledger/proof/inclusion?tenant=${tenant}&seq=${entry.seq}&size=13`);
      expect(status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(["hashes", "leaf_index", "tree_size"]);
      expect(body).toMatchObject({ leaf_index: entry.seq - 1, tree_size: 13 });
      const ok = await verifyInclusion(entry.seq - 1, 13, await leafOf(entry), fromB64(body.hashes), late.root);
      expect(ok, `entry ${entry.seq}`).toBe(true);
    }
    for (const entry of entries.slice(0, 5)) {
      const { body } = await admin("GET", `/ledger/proof/inclusion?tenant=${tenant}&seq=${entry.seq}&size=5`);
      expect(await verifyInclusion(entry.seq - 1, 5, await leafOf(entry), fromB64(body.hashes), early.root)).toBe(true);
    }

    // Against the current size when none is named; an altered entry is not included.
    const last = await admin("GET", `/ledger/proof/inclusion?tenant=${tenant}&seq=13`);
    expect(last.body.tree_size).toBe(13);
    const forged = { ...entries[12]!, hash: "ab".repeat(32) };
    expect(await verifyInclusion(12, 13, await leafOf(forged), fromB64(last.body.hashes), late.root)).toBe(false);
  });

  it("proves a later checkpoint extends an earlier one", async () => {
    const { tenant, ledger } = await tenantWithEntries(6);
    const early = await openCheckpoint((await getText(`/ledger/checkpoint?tenant=${tenant}`)).text, TEST_VERIFIER_KEY);
    await ledger.append(
      tenant,
      Array.from({ length: 11 }, (_, n) => decision(n + 7)),
    );
    const late = await openCheckpoint((await getText(`/ledger/checkpoint?tenant=${tenant}`)).text, TEST_VERIFIER_KEY);

    const { status, body } = await admin("GET", `/ledger/proof/consistency?tenant=${tenant}&from=6&to=17`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(["hashes"]);
    expect(await verifyConsistency(6, 17, early.root, late.root, fromB64(body.hashes))).toBe(true);
    expect(await verifyConsistency(6, 17, late.root, late.root, fromB64(body.hashes))).toBe(false);

    const toNow = await admin("GET", `/ledger/proof/consistency?tenant=${tenant}&from=6`);
    expect(toNow.body.hashes).toEqual(body.hashes);
    expect((await admin("GET", `/ledger/proof/consistency?tenant=${tenant}&from=17&to=17`)).body).toEqual({
      hashes: [],
    });
  });

  it("refuses proofs outside the ledger and malformed parameters with structured 400s", async () => {
    const { tenant } = await tenantWithEntries(3);
    const refusals = [
      ["/ledger/proof/inclusion?seq=4&size=3", "seq"],
      ["/ledger/proof/inclusion?seq=2&size=9", "size"],
      ["/ledger/proof/inclusion?seq=9", "seq"],
      ["/ledger/proof/inclusion?seq=0&size=3", "seq"],
      ["/ledger/proof/inclusion?seq=two", "seq"],
      ["/ledger/proof/inclusion?size=3", "seq"],
      ["/ledger/proof/consistency?from=3&to=2", "from"],
      ["/ledger/proof/consistency?from=1&to=4", "to"],
      ["/ledger/proof/consistency?from=5", "from"],
      ["/ledger/proof/consistency?from=-1&to=2", "from"],
    ] as const;
    for (const [path, field] of refusals) {
      const { status, body } = await admin("GET", `${path}&tenant=${tenant}`);
      expect(status, path).toBe(400);
      expect(body.error.code, path).toBe("invalid_request");
      expect(
        body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(field);
    }
  });

  it("answers 503 for the checkpoint and the key when no signing key is set, and for a key that is not one", async () => {
    const routes = ledgerAdminRoutes();
    const unset = { ...(env as unknown as Env), LEDGER_SIGNING_KEY: undefined } as unknown as Env;
    const missing = await routes.request("/ledger/key", {}, unset);
    expect(missing.status).toBe(503);
    expect((await missing.json()) as object).toMatchObject({ error: { code: "ledger_signing_key_missing" } });

    const wrong = { ...(env as unknown as Env), LEDGER_SIGNING_KEY: "PRIVATE+KEY+x+00000000+AAAA" };
    const invalid = await routes.request("/ledger/key", {}, wrong);
    expect(invalid.status).toBe(503);
    expect(await invalid.text()).toContain("ledger_signing_key_invalid");
  });
});
