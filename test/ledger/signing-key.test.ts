import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { checkpointBody, checkpointOrigin, signedCheckpoint } from "../../src/ledger/checkpoint-note";
import { checkpointSigner, noteKeyId, type CheckpointSigner } from "../../src/ledger/signing-key";

/** The example key and note of Go's golang.org/x/mod/sumdb/note, the reference implementation of signed notes. */
const GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

async function signer(secret: string): Promise<CheckpointSigner> {
  const made = await checkpointSigner(secret);
  if ("problem" in made) throw new Error(JSON.stringify(made));
  return made;
}

describe("the checkpoint signing key", () => {
  it("reads Go's example signer key and publishes its verifier key", async () => {
    const peter = await signer(GO_SIGNER_KEY);
    expect(peter.name).toBe("PeterNeumann");
    expect(peter.verifierKey).toBe(GO_VERIFIER_KEY);
  });

  it("signs byte for byte as Go's note package does (Ed25519 is deterministic)", async () => {
    const peter = await signer(GO_SIGNER_KEY);
    const signature = await peter.sign(new TextEncoder().encode(GO_TEXT));
    expect(Buffer.concat([peter.keyId, signature]).toString("base64")).toBe(GO_SIGNATURE);
  });

  it("computes the key id of the C2SP signed-note specification's example verifier key", async () => {
    const publicKey = Buffer.from("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "base64").subarray(1);
    expect(Buffer.from(await noteKeyId("example.com/foo", publicKey)).toString("hex")).toBe("530d903a");
  });

  it("says the key is missing when the secret is unset or empty", async () => {
    expect(await checkpointSigner(undefined)).toEqual({ problem: "missing" });
    expect(await checkpointSigner("  ")).toEqual({ problem: "missing" });
  });

  it("refuses a malformed key, a wrong key id or another algorithm, without echoing the secret", async () => {
    const seed = GO_SIGNER_KEY.split("+").slice(4).join("+");
    const cases = [
      "AYEKFALVFGyNhPJEMzD1QIDr",
      `PUBLIC+KEY+PeterNeumann+c74f20a3+${seed}`,
      `PRIVATE+KEY+Peter Neumann+c74f20a3+${seed}`,
      `PRIVATE+KEY+PeterNeumann+c74f20a4+${seed}`,
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${Buffer.from([2, ...Buffer.alloc(32)]).toString("base64")}`,
      `PRIVATE+KEY+PeterNeumann+c74f20a3+${Buffer.alloc(20).toString("base64")}`,
    ];
    for (const secret of cases) {
      const made = await checkpointSigner(secret);
      expect(made, secret).toMatchObject({ problem: "invalid" });
      expect(JSON.stringify(made)).not.toContain(seed.slice(0, 12));
    }
  });
});

describe("a signed checkpoint", () => {
  it("is the origin, size and base64 root, a blank line, and one signature line that verifies", async () => {
    const peter = await signer(GO_SIGNER_KEY);
    const head = { tree_size: 8, root_hash: "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=" };
    const origin = checkpointOrigin("PeterNeumann", "acme");
    const note = await signedCheckpoint(peter, origin, head);

    expect(origin).toBe("PeterNeumann/policy-os/acme");
    const body = "PeterNeumann/policy-os/acme\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
    expect(checkpointBody(origin, head)).toBe(body);
    const [text, signatureLine] = note.split("\n\n");
    expect(`${text}\n`).toBe(body);
    const match = /^\u2014 PeterNeumann ([A-Za-z0-9+/=]+)\n$/.exec(signatureLine!);
    expect(match).not.toBeNull();

    const blob = Buffer.from(match![1]!, "base64");
    expect(blob.subarray(0, 4).toString("hex")).toBe("c74f20a3");
    const publicKey = Buffer.from(GO_VERIFIER_KEY.split("+")[2]!, "base64").subarray(1);
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    const encoded = new TextEncoder().encode(body);
    expect(await crypto.subtle.verify("Ed25519", key, blob.subarray(4), encoded)).toBe(true);
    expect(await crypto.subtle.verify("Ed25519", key, blob.subarray(4), encoded.with(40, 0x39))).toBe(false);
  });
});
