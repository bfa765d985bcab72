import { Buffer } from "node:buffer";
import { expect } from "vitest";

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
