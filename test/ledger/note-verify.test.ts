import { describe, expect, it } from "vitest";
import { encodeBase64 } from "../../src/ledger/base64";
import {
  MAX_SIGNATURES,
  ed25519KeyId,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyCheckpoint,
  type VerifierKey,
} from "../../src/ledger/note-verify";

/**
 * Known answers from outside this project: Go's golang.org/x/mod/sumdb/note, note_test.go (TestNewVerifier, TestOpen;
 * github.com/golang/mod at fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db, BSD-3-Clause): two fixed verifier keys, a text,
 * and each key's signature of it. And the example of c2sp.org/signed-note ("Verifier keys", github.com/C2SP/C2SP
 * signed-note.md).
 */
const PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG =
  "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
const C2SP_KEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const C2SP_NOTE =
  "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

async function key(text: string): Promise<VerifierKey> {
  const parsed = await parseVerifierKey(text);
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.key;
}

/** Go's peterSig[:60]+"ABCD"+peterSig[60:], which counts bytes (the em dash is three). */
function insertAtByte(line: string, at: number, insert: string): string {
  const bytes = Buffer.from(line, "utf8");
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(insert), bytes.subarray(at)]).toString("utf8");
}

describe("verifier keys (Go's TestNewVerifier)", () => {
  it("reads the fixed key, its name and key id", async () => {
    const peter = await key(PETER_KEY);
    expect(peter).toMatchObject({ name: "PeterNeumann", keyId: 0xc74f20a3 });
    expect(await ed25519KeyId(peter.name, peter.publicKey)).toBe(0xc74f20a3);
  });

  it("refuses every proper substring of the key and every one-byte change of it", async () => {
    const bytes = Buffer.from(PETER_KEY);
    const bad: string[] = [];
    for (let i = 0; i <= bytes.length; i++)
      for (let j = i + 1; j <= bytes.length; j++) if (i !== 0 || j !== bytes.length) bad.push(PETER_KEY.slice(i, j));
    for (let i = 0; i < bytes.length; i++) {
      const changed = Buffer.from(bytes);
      changed[i]! += 1;
      bad.push(changed.toString("latin1"));
    }
    for (const text of bad) expect((await parseVerifierKey(text)).ok, text).toBe(false);
  });

  it("refuses a key of the wrong length and one of an unknown algorithm, even with their key ids adjusted", async () => {
    expect(
      await parseVerifierKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
    ).toMatchObject({ ok: false });
    expect(await parseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toMatchObject({
      ok: false,
    });
  });
});

describe("opening a signed note (Go's TestOpen, c2sp.org/signed-note)", () => {
  it("verifies the known signer and sets the unknown one aside", async () => {
    const opened = await openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [await key(PETER_KEY)]);
    expect(opened).toMatchObject({ ok: true, text: TEXT, signed_by: ["PeterNeumann"] });
    expect(opened.ok && opened.unknown_signatures.map((s) => [s.name, s.keyId])).toEqual([["EnochRoot", 0xaf0cfe78]]);
  });

  it("verifies both signers when both keys are known", async () => {
    const opened = await openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [await key(PETER_KEY), await key(ENOCH_KEY)]);
    expect(opened).toMatchObject({ ok: true, signed_by: ["PeterNeumann", "EnochRoot"], unknown_signatures: [] });
  });

  it("verifies the example of the C2SP specification", async () => {
    expect(await openNote(C2SP_NOTE, [await key(C2SP_KEY)])).toMatchObject({
      ok: true,
      text: "This is an example message.\n",
      signed_by: ["example.com/foo"],
    });
  });

  it("refuses a note no known key signed: it proves nothing", async () => {
    expect(await openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [])).toMatchObject({
      ok: false,
      reason: "no_known_signature",
    });
  });

  it("refuses a known key's signature that does not verify", async () => {
    const corrupt = insertAtByte(PETER_SIG, 60, "ABCD");
    expect(await openNote(`${TEXT}\n${corrupt}`, [await key(PETER_KEY)])).toMatchObject({
      ok: false,
      reason: "invalid_signature",
    });
  });

  it("counts repeated signatures once and ignores a corrupt one by an unknown key", async () => {
    const enochCorrupt = insertAtByte(ENOCH_SIG, 60, "ABCD");
    const note = `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochCorrupt}`;
    const opened = await openNote(note, [await key(PETER_KEY)]);
    expect(opened).toMatchObject({ ok: true, signed_by: ["PeterNeumann"] });
    expect(opened.ok && opened.unknown_signatures).toHaveLength(2);
  });

  it(`refuses more than ${MAX_SIGNATURES} signatures, known or not`, async () => {
    const many = `${TEXT}\n${PETER_SIG.repeat(MAX_SIGNATURES + 1)}`;
    expect(await openNote(many, [await key(PETER_KEY)])).toMatchObject({ ok: false, reason: "malformed_note" });
    expect(await openNote(many, [])).toMatchObject({ ok: false, reason: "malformed_note" });
  });

  it.each([
    ["no signature block", TEXT],
    ["an empty signature block", `${TEXT}\n`],
    ["a signature line without its newline", `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ["a control character", `\x01${TEXT}\n${PETER_SIG}`],
    [
      "a key name with a space",
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    ],
    ["a line after the signatures", `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
  ])("refuses a malformed note: %s", async (_, note) => {
    expect(await openNote(note, [await key(PETER_KEY)])).toMatchObject({ ok: false, reason: "malformed_note" });
  });

  it("refuses a note that is not UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(await openNote(new Uint8Array(bytes), [await key(PETER_KEY)])).toMatchObject({
      ok: false,
      reason: "malformed_note",
    });
  });

  it("refuses to guess between two different known keys with one name and key id", async () => {
    const peter = await key(PETER_KEY);
    const impostor = { ...peter, publicKey: new Uint8Array(32), text: "PeterNeumann+c74f20a3+other" };
    expect(await openNote(`${TEXT}\n${PETER_SIG}`, [peter, impostor])).toMatchObject({
      ok: false,
      reason: "ambiguous_key",
    });
  });
});

/** A checkpoint signed with a fresh Ed25519 key (WebCrypto), and its verifier key. */
async function signedCheckpoint(body: string, name = "policy-os.test/tenant-a") {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const keyId = await ed25519KeyId(name, publicKey);
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, keyId);
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, new TextEncoder().encode(body)),
  );
  const vkey = `${name}+${keyId.toString(16).padStart(8, "0")}+${encodeBase64(Uint8Array.of(1, ...publicKey))}`;
  return { note: `${body}\n— ${name} ${encodeBase64(new Uint8Array([...id, ...signature]))}\n`, vkey };
}

const ROOT = encodeBase64(new Uint8Array(32).fill(7));

describe("checkpoints (c2sp.org/tlog-checkpoint)", () => {
  it("reads the origin, size and root of a checkpoint signed by the known key", async () => {
    const { note, vkey } = await signedCheckpoint(`policy-os.test/tenant-a\n42\n${ROOT}\n`);
    const check = await verifyCheckpoint(note, [await key(vkey)]);
    expect(check).toMatchObject({ ok: true, signed_by: ["policy-os.test/tenant-a"] });
    expect(check.ok && check.checkpoint).toEqual({
      origin: "policy-os.test/tenant-a",
      size: 42,
      root: new Uint8Array(32).fill(7),
      extensions: [],
    });
  });

  it("accepts a witness's cosignature it does not know, and trusts only the log's key", async () => {
    const body = `policy-os.test/tenant-a\n42\n${ROOT}\n`;
    const log = await signedCheckpoint(body);
    const witness = await signedCheckpoint(body, "witness.example/w1");
    const cosigned = log.note + witness.note.slice(body.length + 1);
    const check = await verifyCheckpoint(cosigned, [await key(log.vkey)]);
    expect(check).toMatchObject({ ok: true, signed_by: ["policy-os.test/tenant-a"] });
    expect(check.ok && check.unknown_signatures.map((s) => s.name)).toEqual(["witness.example/w1"]);
  });

  it("fails after any one-byte change of the signed checkpoint", async () => {
    const { note, vkey } = await signedCheckpoint(`policy-os.test/tenant-a\n42\n${ROOT}\n`);
    const keys = [await key(vkey)];
    const bytes = new TextEncoder().encode(note);
    let changes = 0;
    for (let i = 0; i < bytes.length; i++)
      for (const mask of [0x01, 0x80]) {
        const changed = bytes.slice();
        changed[i]! ^= mask;
        expect((await verifyCheckpoint(changed, keys)).ok, `byte ${i} ^ ${mask}`).toBe(false);
        changes++;
      }
    expect(changes).toBe(2 * bytes.length);
  });

  it("refuses a signed note whose text is not a checkpoint", async () => {
    const { note, vkey } = await signedCheckpoint("policy-os.test/tenant-a\n042\n" + ROOT + "\n");
    expect(await verifyCheckpoint(note, [await key(vkey)])).toMatchObject({
      ok: false,
      reason: "malformed_note",
      detail: "not a checkpoint: the tree size is not a decimal number",
    });
  });

  it.each([
    ["an empty origin", `\n1\n${ROOT}\n`],
    ["a size with a sign", `o\n+1\n${ROOT}\n`],
    ["a size past 2^53", `o\n9007199254740993\n${ROOT}\n`],
    ["a root of 31 bytes", `o\n1\n${encodeBase64(new Uint8Array(31))}\n`],
    ["a root in unpadded base64", `o\n1\n${ROOT.replace("=", "")}\n`],
    ["an empty extension line", `o\n1\n${ROOT}\n\n`],
    ["two lines only", `o\n1\n`],
  ])("reads no checkpoint from %s", (_, text) => {
    expect(parseCheckpoint(text).ok).toBe(false);
  });

  it("keeps extension lines", () => {
    expect(parseCheckpoint(`o\n0\n${ROOT}\nextra\n`)).toMatchObject({
      ok: true,
      checkpoint: { extensions: ["extra"] },
    });
  });
});
