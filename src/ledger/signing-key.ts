import { Buffer } from "node:buffer";

/**
 * The key that signs a deployment's checkpoints: an Ed25519 key in the C2SP signed-note formats (c2sp.org/signed-note),
 * the same as Go's golang.org/x/mod/sumdb/note. The Worker secret `LEDGER_SIGNING_KEY` holds it as a signer key,
 * `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ 32-byte seed)>`; the published verifier key is
 * `<name>+<hex key id>+<base64(0x01 ‖ 32-byte public key)>`, and key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
 */
export interface CheckpointSigner {
  /** The key name: also the first part of every checkpoint's origin (see checkpointOrigin). */
  name: string;
  /** The 4-byte key id, big-endian, as signatures carry it. */
  keyId: Uint8Array;
  /** The verifier key text, for `GET /admin/ledger/key`. */
  verifierKey: string;
  /** The Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Why no signer could be made: the secret is unset, or it is not a signer key (never echoing the secret). */
export type SignerProblem = { problem: "missing" } | { problem: "invalid"; why: string };

/** Signature type byte of Ed25519 in signed notes. */
const ED25519 = 0x01;
/** DER of PKCS #8 for an Ed25519 private key, up to the 32-byte seed (RFC 8410 §7). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * The checkpoint signer a `LEDGER_SIGNING_KEY` value describes, checked: the key id it names must be the one its key
 * has. `undefined` or an empty value is `missing`; anything else unusable is `invalid`.
 *
 * @example const signer = await checkpointSigner(env.LEDGER_SIGNING_KEY); if ("problem" in signer) …
 */
export async function checkpointSigner(secret: string | undefined): Promise<CheckpointSigner | SignerProblem> {
  if (secret === undefined || secret.trim() === "") return { problem: "missing" };
  // The base64 key may itself hold '+': only the first four separate fields.
  const parts = secret.trim().split("+");
  if (parts.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY")
    return invalid("it must read PRIVATE+KEY+<name>+<hex key id>+<base64 key>");
  const [, , name, hexId] = parts as [string, string, string, string];
  const encoded = parts.slice(4).join("+");
  if (!validKeyName(name)) return invalid("its key name must be non-empty, without spaces or '+'");
  if (!/^[0-9a-f]{8}$/.test(hexId)) return invalid("its key id must be 8 lower-case hex digits");
  const key = Buffer.from(encoded, "base64");
  if (key.length !== 33 || key[0] !== ED25519 || key.toString("base64") !== encoded)
    return invalid("its key must be the base64 of 0x01 and a 32-byte Ed25519 seed");

  let privateKey: CryptoKey;
  let publicKey: Uint8Array;
  try {
    privateKey = (await crypto.subtle.importKey(
      "pkcs8",
      Buffer.concat([PKCS8_ED25519_PREFIX, key.subarray(1)]),
      { name: "Ed25519" },
      true,
      ["sign"],
    )) as CryptoKey;
    const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
    publicKey = Buffer.from(jwk.x ?? "", "base64url");
  } catch {
    return invalid("its key is not an Ed25519 seed");
  }
  const keyId = await noteKeyId(name, publicKey);
  if (Buffer.from(keyId).toString("hex") !== hexId) return invalid("its key id is not the one its key has");
  return {
    name,
    keyId,
    verifierKey: `${name}+${hexId}+${Buffer.concat([Buffer.from([ED25519]), publicKey]).toString("base64")}`,
    sign: async (message) => new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, message)),
  };
}

/** A signed note key id: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4]. */
export async function noteKeyId(name: string, publicKey: Uint8Array): Promise<Uint8Array> {
  const preimage = Buffer.concat([Buffer.from(`${name}\n`, "utf8"), Buffer.from([ED25519]), publicKey]);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", preimage)).slice(0, 4);
}

/** Whether `name` may name a note key: non-empty, no Unicode space, no '+'. */
export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

function invalid(why: string): SignerProblem {
  return { problem: "invalid", why };
}
