import { Buffer } from "node:buffer";
import { expect } from "vitest";
import type { LedgerEntry } from "../../src/ledger";

/** The verifier key of the LEDGER_SIGNING_KEY vitest.config.ts binds. */
export const TEST_VERIFIER_KEY = "policy-os.test+2d063ee1+ASTPnuUdyu391NGSE0jRZuYc0KWGLBcHN7X20zWeP4D8";

/** A checkpoint note read the way c2sp.org/tlog-checkpoint describes, its signature checked against `vkey`. */
export async function openCheckpoint(note: string, vkey: string) {
  const [name, hexId, ...key64] = vkey.split("+") as [string, string, string];
  const keyB64 = key64.join("+");
  const cut = note.lastIndexOf("\n\n");
  const body = note.slice(0, cut + 1);
  const [origin, size, root] = body.split("\n");
  const line = /^\u2014 (\S+) (\S+)\n$/.exec(note.slice(cut + 2));
  expect(line?.[1]).toBe(name);
  const blob = Buffer.from(line![2]!, "base64");
  expect(blob.subarray(0, 4).toString("hex")).toBe(hexId);
  const key = await crypto.subtle.importKey(
    "raw",
    Buffer.from(keyB64, "base64").subarray(1),
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  const signed = await crypto.subtle.verify("Ed25519", key, blob.subarray(4), new TextEncoder().encode(body));
  return { signed, origin, size: Number(size), root: new Uint8Array(Buffer.from(root!, "base64")) };
}

// An independent verifier, written from RFC 9162 §2.1.3.2 and §2.1.4.2 as an auditor would, sharing no code with
// the server's proof generator.
const sha256 = async (...parts: Uint8Array[]) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", Buffer.concat(parts)));
/** SHA-256(0x01 ‖ left ‖ right). */
export const interior = (left: Uint8Array, right: Uint8Array) => sha256(new Uint8Array([1]), left, right);
/** An entry's leaf: SHA-256(0x00 ‖ the 32 bytes of its hash). */
export const leafOf = (entry: LedgerEntry) => sha256(new Uint8Array([0]), Buffer.from(entry.hash, "hex"));
/** Whether two hashes are equal. */
export const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
/** Base64 hashes as bytes. */
export const fromB64 = (hashes: string[]) => hashes.map((h) => new Uint8Array(Buffer.from(h, "base64")));

/** RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree of `size` leaves with `root`. */
export async function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await interior(p, r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else r = await interior(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}
