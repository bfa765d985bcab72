import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Digest, sha256HexSync } from "../../src/ledger/canonical";
import { hexOf, sha256, sha256Utf8 } from "../../src/ledger/sha256";

/** `n` bytes that differ from one length to the next (a fixed linear congruential sequence). */
function bytesOf(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = n * 2654435761;
  for (let i = 0; i < n; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

const nodeHex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
const webHex = async (data: Uint8Array) => hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));

describe("the ledger's JavaScript SHA-256", () => {
  it("gives FIPS 180-4's example digests", () => {
    expect(hexOf(sha256Utf8(""))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hexOf(sha256Utf8("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hexOf(sha256Utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("gives node:crypto's digest for every length from 0 to 300 bytes, across each padding boundary", () => {
    for (let n = 0; n <= 300; n++) expect(hexOf(sha256(bytesOf(n))), `${n} bytes`).toBe(nodeHex(bytesOf(n)));
  });

  it("gives WebCrypto's digest for inputs of many blocks", async () => {
    for (const n of [1_000, 4_097, 65_536, 1_000_003]) expect(hexOf(sha256(bytesOf(n)))).toBe(await webHex(bytesOf(n)));
  });

  it("hashes text as UTF-8, a lone surrogate as U+FFFD, at any length", () => {
    const texts = ["ünïcødé ✓", "a\ud800b", "😀".repeat(3000), '{"a":1}'.repeat(2000), "x".repeat(5000)];
    for (const text of texts) expect(hexOf(sha256Utf8(text))).toBe(nodeHex(text));
  });

  it("answers sha256Digest and sha256HexSync with the same bytes wherever it runs", async () => {
    for (const text of ["", "abc", '{"at":"2026-01-01T00:00:00.000Z"}', "é".repeat(700)]) {
      const web = await webHex(new TextEncoder().encode(text));
      expect(hexOf(sha256Digest(text))).toBe(web);
      expect(sha256HexSync(text)).toBe(web);
    }
  });
});
