import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeBase64 } from "../../src/ledger/base64";
import { chainEntries, GENESIS } from "../../src/ledger/chain";
import { ed25519KeyId } from "../../src/ledger/note-verify";
import { entryLeafHash } from "../../src/ledger/proof-verify";
import type { LedgerEntry } from "../../src/ledger/types";
import { testTree } from "../support/merkle-builder";

/**
 * `policy-os ledger verify`'s offline modes, run as an auditor runs them: node on the CLI, with files this test
 * writes. The ledger is made with the real chain code, its tree and proofs with the test's own RFC 6962 builder,
 * checkpoints signed with a WebCrypto Ed25519 key; `--since` talks to a small local HTTP server playing the
 * admin routes.
 */
// Each test starts node on the CLI (which loads TypeScript through tsx) once or a few times: seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const CLI = new URL("../../scripts/policy-os.mjs", import.meta.url).pathname;
const ORIGIN = "policy-os.test/tenant_a";
const dir = mkdtempSync(join(tmpdir(), "ledger-verify-"));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, POLICY_OS_URL: "" } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const signer = async (name: string) => {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const keyId = await ed25519KeyId(name, publicKey);
  const vkey = `${name}+${keyId.toString(16).padStart(8, "0")}+${encodeBase64(Uint8Array.of(1, ...publicKey))}`;
  return {
    vkey,
    async sign(body: string) {
      const id = new Uint8Array(4);
      new DataView(id.buffer).setUint32(0, keyId);
      const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, new TextEncoder().encode(body)));
      return `${body}\n— ${name} ${encodeBase64(Uint8Array.of(...id, ...sig))}\n`;
    },
  };
};
type Signer = Awaited<ReturnType<typeof signer>>;

const inputs = (n: number, label: string) =>
  Array.from({ length: n }, (_, i) => ({
    kind: "policy_sync" as const,
    invocation_id: null,
    body: { snapshot: `${label}-${i}`, rows: [] },
  }));

/** A ledger as a log serves it: its entries, and signed checkpoints and proofs for any size. */
async function ledgerOf(entries: LedgerEntry[], key: Signer) {
  const tree = testTree(await Promise.all(entries.map(async (e) => (await entryLeafHash(e.hash))!)));
  const b64 = (hashes: Uint8Array[]) => ({ hashes: hashes.map(encodeBase64) });
  return {
    entries,
    size: entries.length,
    checkpoint: async (size = entries.length) =>
      key.sign(`${ORIGIN}\n${size}\n${encodeBase64(await tree.root(size))}\n`),
    inclusion: async (seq: number, size = entries.length) => ({
      leaf_index: seq - 1,
      tree_size: size,
      ...b64(await tree.inclusion(seq - 1, size)),
    }),
    consistency: async (from: number, to = entries.length) => b64(await tree.consistency(from, to)),
  };
}
type Log = Awaited<ReturnType<typeof ledgerOf>>;

const AT = "2026-12-06T14:05:17.390Z";
let key: Signer;
let log: Log;
let keyFile: string;

beforeAll(async () => {
  key = await signer(ORIGIN);
  log = await ledgerOf(chainEntries(GENESIS, "tenant_a", AT, inputs(7, "a")), key);
  keyFile = file("key.txt", `${key.vkey}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ledger verify --checkpoint --key: the checkpoint's signature", () => {
  it("verifies a checkpoint signed by the key, given as a file or inline, and says what it commits to", async () => {
    const checkpoint = file("cp7.txt", await log.checkpoint());
    for (const keyArg of [keyFile, key.vkey]) {
      const run = await cli("ledger", "verify", "--checkpoint", checkpoint, "--key", keyArg);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout).toMatch(
        new RegExp(`^checkpoint verified: ${ORIGIN} at 7 entries, root .+, signed by ${ORIGIN}\\n$`),
      );
    }
  });

  it("fails a checkpoint signed by another key: no_known_signature", async () => {
    const other = await signer(ORIGIN);
    const checkpoint = file("cp-other.txt", await other.sign(`${ORIGIN}\n7\n${encodeBase64(new Uint8Array(32))}\n`));
    const run = await cli("ledger", "verify", "--checkpoint", checkpoint, "--key", keyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^LEDGER PROOF FAILED \(no_known_signature\): the checkpoint is not trusted/);
  });

  it("fails a checkpoint whose size was edited: invalid_signature", async () => {
    const checkpoint = file("cp-edited.txt", (await log.checkpoint()).replace("\n7\n", "\n8\n"));
    const run = await cli("ledger", "verify", "--checkpoint", checkpoint, "--key", keyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(invalid_signature)");
  });

  it("prints the verdict as JSON with --json", async () => {
    const checkpoint = file("cp7.txt", await log.checkpoint());
    const run = await cli("ledger", "verify", "--checkpoint", checkpoint, "--key", keyFile, "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      mode: "checkpoint",
      reason: null,
      checkpoint: { origin: ORIGIN, size: 7, signed_by: [ORIGIN], unknown_signers: [] },
    });
  });
});

describe("ledger verify --entry --proof: an exported entry is in the checkpoint's tree", () => {
  const entryRun = async (entry: unknown, proof: unknown, checkpoint?: string) =>
    cli(
      "ledger",
      "verify",
      "--checkpoint",
      file("cp.txt", checkpoint ?? (await log.checkpoint())),
      "--key",
      keyFile,
      "--entry",
      file("entry.json", typeof entry === "string" ? entry : JSON.stringify(entry, null, 2)),
      "--proof",
      file("proof.json", JSON.stringify(proof)),
    );

  it("proves the first, a middle and the last entry included, from a JSON file or an evidence line", async () => {
    for (const entry of [1, 4, 7].map((seq) => log.entries[seq - 1]!)) {
      const run = await entryRun(entry, await log.inclusion(entry.seq));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toBe(
        `entry ${entry.seq} (policy_sync, hash ${entry.hash}) is in the ledger ${ORIGIN} signed at 7 entries\n`,
      );
    }
    const line = JSON.stringify({ ...log.entries[2], exported_with: "evidence" });
    expect((await entryRun(line, await log.inclusion(3))).code).toBe(0);
  });

  it("fails an entry whose body was changed: entry_altered", async () => {
    const entry = { ...log.entries[2]!, body: { snapshot: "a-2-edited", rows: [] } };
    const run = await entryRun(entry, await log.inclusion(3));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "LEDGER PROOF FAILED (entry_altered): entry 3's hash does not recompute: the entry was changed\n",
    );
  });

  it("fails an entry rehashed after a change, which its proof no longer reaches: root_mismatch", async () => {
    const [forged] = chainEntries({ seq: 2, hash: log.entries[1]!.hash }, "tenant_a", AT, inputs(1, "forged"));
    const run = await entryRun(forged, await log.inclusion(3));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^LEDGER PROOF FAILED \(root_mismatch\): entry 3 is not proven/);
  });

  it("fails another entry's proof, and a proof of another tree size", async () => {
    expect((await entryRun(log.entries[2], await log.inclusion(4))).stdout).toContain("(proof_for_another_leaf)");
    expect((await entryRun(log.entries[2], await log.inclusion(3, 5))).stdout).toContain("(proof_for_another_tree)");
  });

  it("fails a proof with one hash changed by one character", async () => {
    const proof = await log.inclusion(3);
    const first = proof.hashes[0]!;
    proof.hashes[0] = (first[0] === "A" ? "B" : "A") + first.slice(1);
    const run = await entryRun(log.entries[2], proof);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(root_mismatch)");
  });

  it("fails an entry newer than the checkpoint: entry_not_in_tree", async () => {
    const run = await entryRun(log.entries[6], await log.inclusion(7), await log.checkpoint(5));
    expect(run.stdout).toBe(
      "LEDGER PROOF FAILED (entry_not_in_tree): entry 7 is newer than the checkpoint (5 entries)\n",
    );
  });
});

describe("ledger verify --checkpoint <old> --checkpoint <new> --proof: the newer extends the older", () => {
  const consistencyRun = async (older: string, newer: string, proof?: unknown) =>
    cli(
      "ledger",
      "verify",
      "--checkpoint",
      file("old.txt", older),
      "--checkpoint",
      file("new.txt", newer),
      "--key",
      keyFile,
      ...(proof === undefined ? [] : ["--proof", file("consistency.json", JSON.stringify(proof))]),
    );

  it("proves a checkpoint at 7 entries extends the one at 3", async () => {
    const run = await consistencyRun(await log.checkpoint(3), await log.checkpoint(7), await log.consistency(3));
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toBe(
      `${ORIGIN} at 7 entries extends the checkpoint at 3: nothing signed before was removed or changed\n`,
    );
  });

  it("fails when the checkpoints are given newest first: truncated", async () => {
    const run = await consistencyRun(await log.checkpoint(7), await log.checkpoint(3), await log.consistency(3));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(truncated)");
  });

  it("fails without the proof the sizes need, naming it", async () => {
    const run = await consistencyRun(await log.checkpoint(3), await log.checkpoint(7));
    expect(run.stdout).toBe(
      "LEDGER PROOF FAILED (malformed_proof): no consistency proof from 3 to 7 entries was given\n",
    );
  });
});

describe("bad usage exits 2 and says what is missing", () => {
  it.each([
    ["no key", ["--checkpoint", "cp7.txt"], /missing --key/],
    [
      "three checkpoints",
      ["--checkpoint", "a", "--checkpoint", "b", "--checkpoint", "c", "--key", "k"],
      /one or two --checkpoint/,
    ],
    [
      "an entry without its proof",
      ["--checkpoint", "cp7.txt", "--key", "KEY", "--entry", "entry.json"],
      /missing --proof/,
    ],
    [
      "a key that is neither a key nor a file",
      ["--checkpoint", "cp7.txt", "--key", "nope"],
      /cannot read the key file nope/,
    ],
    [
      "a checkpoint file that is not there",
      ["--checkpoint", "missing.txt", "--key", "KEY"],
      /cannot read the checkpoint/,
    ],
  ])("%s", async (_, args, message) => {
    const resolved = args.map((a) =>
      a.endsWith(".txt") || a.endsWith(".json") ? join(dir, a) : a === "KEY" ? keyFile : a,
    );
    file("cp7.txt", await log.checkpoint());
    const run = await cli("ledger", "verify", ...resolved);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

/** A local stand-in for the Worker's admin ledger routes, serving whatever ledger the test sets. */
function fakeWorker() {
  let current: Log | null = null;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      requests.push(`${url.pathname}${url.search}`);
      if (
        req.headers.authorization !== "Bearer cli-test-token" ||
        url.searchParams.get("tenant") !== "tenant_a" ||
        !current
      ) {
        res
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { code: "unauthorized" } }));
        return;
      }
      const text = (body: string) => res.writeHead(200, { "content-type": "text/plain" }).end(body);
      if (url.pathname === "/admin/ledger/checkpoint") return text(await current.checkpoint());
      if (url.pathname === "/admin/ledger/key") return text(`${key.vkey}\n`);
      if (url.pathname === "/admin/ledger/proof/consistency") {
        const from = Number(url.searchParams.get("from"));
        const to = Number(url.searchParams.get("to"));
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(await current.consistency(from, to)));
      }
      res.writeHead(404).end();
    })();
  });
  return {
    requests,
    serve(log: Log) {
      current = log;
    },
    async start() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("ledger verify --since: the live ledger extends a checkpoint saved earlier", () => {
  const worker = fakeWorker();
  let url: string;
  let saved: string;
  beforeAll(async () => {
    url = await worker.start();
    saved = file("saved-at-5.txt", await log.checkpoint(5));
  });
  afterAll(() => worker.stop());

  const since = (...extra: string[]) =>
    cli(
      "ledger",
      "verify",
      "--since",
      saved,
      "--url",
      url,
      "--token",
      "cli-test-token",
      "--tenant",
      "tenant_a",
      ...extra,
    );
  /** The same log's key signs whatever the server now holds: an operator (or intruder) with the key rewrote it. */
  const serveEntries = async (entries: LedgerEntry[]) => worker.serve(await ledgerOf(entries, key));
  const firstFour = () => log.entries.slice(0, 4);

  it("passes when the ledger only grew, fetching the proof from 5 to 7 entries", async () => {
    worker.serve(log);
    const run = await since("--key", keyFile);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toBe(
      `${ORIGIN} at 7 entries extends the checkpoint at 5: nothing signed before was removed or changed\n`,
    );
    expect(worker.requests).toContain("/admin/ledger/proof/consistency?tenant=tenant_a&from=5&to=7");
  });

  it("saves a checkpoint and the key with ledger checkpoint and ledger key, which a later --since checks", async () => {
    const at = ["--url", url, "--token", "cli-test-token", "--tenant", "tenant_a"];
    worker.serve(await ledgerOf(log.entries.slice(0, 3), key));
    const path = join(dir, "saved-by-cli.txt");
    const savedRun = await cli("ledger", "checkpoint", "--out", path, ...at);
    expect(savedRun).toMatchObject({ code: 0, stderr: `checkpoint saved to ${path}: ${ORIGIN} at 3 entries\n` });
    const keyRun = await cli("ledger", "key", ...at);
    expect(keyRun.stdout).toBe(`${key.vkey}\n`);
    worker.serve(log);
    const run = await cli("ledger", "verify", "--since", path, "--key", file("cli-key.txt", keyRun.stdout), ...at);
    expect(run.stdout).toBe(
      `${ORIGIN} at 7 entries extends the checkpoint at 3: nothing signed before was removed or changed\n`,
    );
  });

  it("uses the server's published key without --key, and says so", async () => {
    worker.serve(log);
    const run = await since();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\(key from the server; pass --key to pin it\)\n$/);
  });

  it("fails when the newest entries were truncated after the checkpoint was saved: truncated", async () => {
    await serveEntries(firstFour());
    const run = await since("--key", keyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      "LEDGER PROOF FAILED (truncated): the ledger has 4 entries, fewer than the 5 signed before: entries were removed\n",
    );
  });

  it("fails when the newest entry was rewritten after the checkpoint was saved: rewritten", async () => {
    const last = log.entries[3]!;
    await serveEntries([...firstFour(), ...chainEntries(last, "tenant_a", AT, inputs(1, "rewritten"))]);
    const run = await since("--key", keyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^LEDGER PROOF FAILED \(rewritten\): the ledger's first 5 entries are not the ones signed before/,
    );
  });

  it("fails when the ledger was truncated, then grew past the checkpoint again: rewritten", async () => {
    const last = log.entries[3]!;
    await serveEntries([...firstFour(), ...chainEntries(last, "tenant_a", AT, inputs(4, "regrown"))]);
    const run = await since("--key", keyFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(rewritten)");
  });

  it("fails against a checkpoint of another tenant's ledger: other_log", async () => {
    worker.serve(log);
    const otherTenant = await signer("policy-os.test/tenant_b");
    const foreign = file(
      "foreign.txt",
      await otherTenant.sign(`policy-os.test/tenant_b\n2\n${encodeBase64(new Uint8Array(32))}\n`),
    );
    const keys = file("keys.txt", `${key.vkey}\n${otherTenant.vkey}\n`);
    const run = await cli(
      "ledger",
      "verify",
      "--since",
      foreign,
      "--url",
      url,
      "--token",
      "cli-test-token",
      "--tenant",
      "tenant_a",
      "--key",
      keys,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(other_log)");
  });
});
