/**
 * Opens C2SP signed notes (c2sp.org/signed-note) and reads tlog checkpoints (c2sp.org/tlog-checkpoint) offline, with
 * Ed25519 verifier keys. Pure and WebCrypto only (Node, workerd, browsers); every refusal is a value naming why.
 */
import { decodeBase64 } from "./base64";
import { HASH_SIZE } from "./proof-verify";

/** Largest note accepted: a checkpoint is a few hundred bytes; this leaves room for 100 post-quantum cosignatures. */
export const MAX_NOTE_BYTES = 1 << 20;
/** Most signature lines accepted (the spec asks for at least 16; Go's x/mod/sumdb/note stops at 100, as here). */
export const MAX_SIGNATURES = 100;
/** Signature type byte of Ed25519 (c2sp.org/signed-note#signature-types). */
export const ED25519_TYPE = 0x01;

/** An Ed25519 verifier key: its name, 4-byte key id, and the 32-byte public key. */
export interface VerifierKey {
  name: string;
  keyId: number;
  publicKey: Uint8Array;
  /** The key as text, `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
  text: string;
}

/** A signature line: who claims to have signed, with which key id, and the signature's base64. */
export interface NoteSignature {
  name: string;
  keyId: number;
  base64: string;
}

/** Why a note or checkpoint was refused. */
export type NoteFailure =
  /** Not a signed note (or not a checkpoint): bad UTF-8, a control character, no signature block, a bad line. */
  | "malformed_note"
  /** A known key's signature does not verify: the text or the signature was changed. */
  | "invalid_signature"
  /** No signature by any known key: the note may say anything. */
  | "no_known_signature"
  /** Two different known keys share a name and key id, so a signature's key cannot be told. */
  | "ambiguous_key";

/** A verifier key that could not be read, and why. */
export type KeyParse = { ok: true; key: VerifierKey } | { ok: false; detail: string };

/** An opened note: its text, the known keys that signed it, and the signatures by keys not known (ignored). */
export type NoteCheck =
  | { ok: true; text: string; signed_by: string[]; unknown_signatures: NoteSignature[] }
  | { ok: false; reason: NoteFailure; detail: string };

/** A tlog checkpoint's body. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions: string[];
}

/** A verified checkpoint, or why not. */
export type CheckpointCheck =
  | { ok: true; checkpoint: Checkpoint; signed_by: string[]; unknown_signatures: NoteSignature[] }
  | { ok: false; reason: NoteFailure; detail: string };

const refuse = (reason: NoteFailure, detail: string) => ({ ok: false as const, reason, detail });
const utf8 = new TextEncoder();

/** A key name: non-empty, no Unicode space, no `+` (c2sp.org/signed-note#format). */
export function isValidKeyName(name: string): boolean {
  return name !== "" && !/[\s\u0085+]/u.test(name);
}

/** The key id of an Ed25519 key: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian. */
export async function ed25519KeyId(name: string, publicKey: Uint8Array): Promise<number> {
  const input = new Uint8Array([...utf8.encode(`${name}\n`), ED25519_TYPE, ...publicKey]);
  const digest = new DataView(await crypto.subtle.digest("SHA-256", input));
  return digest.getUint32(0);
}

/**
 * Reads an Ed25519 verifier key, `<name>+<8 lower-case hex digits>+<base64(0x01 ‖ 32-byte public key)>`, refusing
 * one whose key id is not the one its name and key give.
 *
 * @example await parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") // { ok: true, key }
 */
export async function parseVerifierKey(text: string): Promise<KeyParse> {
  const parts = text.trim().split("+");
  // base64 holds `+` too: the name and id are the first two parts, the key material the rest.
  const [name = "", hexId = "", ...material] = parts;
  if (!isValidKeyName(name)) return { ok: false, detail: "the key name is empty or holds a space or +" };
  if (!/^[0-9a-f]{8}$/.test(hexId)) return { ok: false, detail: "the key id is not 8 lower-case hex digits" };
  const bytes = decodeBase64(material.join("+"));
  if (bytes === null) return { ok: false, detail: "the key material is not base64" };
  if (bytes[0] !== ED25519_TYPE || bytes.length !== 33)
    return { ok: false, detail: "not an Ed25519 key (type 0x01 and 32 bytes)" };
  const publicKey = bytes.slice(1);
  const keyId = parseInt(hexId, 16);
  if ((await ed25519KeyId(name, publicKey)) !== keyId)
    return { ok: false, detail: "the key id does not match the name and public key" };
  return { ok: true, key: { name, keyId, publicKey, text: text.trim() } };
}

/**
 * Opens a signed note by the rules of c2sp.org/signed-note: valid UTF-8 without control characters but newline,
 * at most {@link MAX_NOTE_BYTES}; the text ends at the last blank line; then 1 to {@link MAX_SIGNATURES} lines
 * `— <name> <base64(key id ‖ signature)>`. Signatures by keys not in `keys` are ignored (listed, never trusted); a
 * known key's signature must verify, and at least one must. Repeated identical lines count once.
 */
export async function openNote(note: string | Uint8Array, keys: readonly VerifierKey[]): Promise<NoteCheck> {
  const bytes = typeof note === "string" ? utf8.encode(note) : note;
  if (bytes.length > MAX_NOTE_BYTES) return refuse("malformed_note", `the note is over ${MAX_NOTE_BYTES} bytes`);
  let whole: string;
  try {
    whole = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return refuse("malformed_note", "the note is not valid UTF-8");
  }
  if ([...whole].some((c) => c < " " && c !== "\n"))
    return refuse("malformed_note", "the note holds a control character other than newline");
  const split = whole.lastIndexOf("\n\n");
  if (split < 0) return refuse("malformed_note", "no blank line before the signatures");
  const text = whole.slice(0, split + 1);
  const block = whole.slice(split + 2);
  if (!block.endsWith("\n")) return refuse("malformed_note", "the signature block does not end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) return refuse("malformed_note", `more than ${MAX_SIGNATURES} signatures`);

  const signedText = utf8.encode(text);
  const signed_by: string[] = [];
  const unknown_signatures: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    if (parsed === null) return refuse("malformed_note", `a signature line is malformed: ${JSON.stringify(line)}`);
    if (seen.has(line)) continue;
    seen.add(line);
    const { signature, raw } = parsed;
    const matches = keys.filter((k) => k.name === signature.name && k.keyId === signature.keyId);
    const distinct = new Set(matches.map((k) => k.text));
    if (distinct.size > 1) return refuse("ambiguous_key", `two known keys are named ${keyLabel(signature)}`);
    const key = matches[0];
    if (key === undefined) {
      unknown_signatures.push(signature);
      continue;
    }
    if (signed_by.includes(key.text)) continue;
    if (!(await ed25519Verifies(key.publicKey, raw, signedText)))
      return refuse("invalid_signature", `the signature of ${keyLabel(signature)} does not verify`);
    signed_by.push(key.text);
  }
  if (signed_by.length === 0)
    return refuse("no_known_signature", "no signature by a known key: the note proves nothing");
  return { ok: true, text, signed_by: signed_by.map((k) => k.split("+")[0]!), unknown_signatures };
}

function parseSignatureLine(line: string): { signature: NoteSignature; raw: Uint8Array } | null {
  if (!line.startsWith("— ")) return null;
  const rest = line.slice(2);
  const space = rest.indexOf(" ");
  if (space < 0) return null;
  const name = rest.slice(0, space);
  const base64 = rest.slice(space + 1);
  const bytes = decodeBase64(base64);
  if (!isValidKeyName(name) || bytes === null || bytes.length < 5) return null;
  const keyId = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  return { signature: { name, keyId, base64 }, raw: bytes.slice(4) };
}

const keyLabel = (s: { name: string; keyId: number }) => `${s.name}+${s.keyId.toString(16).padStart(8, "0")}`;

async function ed25519Verifies(publicKey: Uint8Array, signature: Uint8Array, text: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return false;
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, text);
}

/**
 * Reads a note's text as a tlog checkpoint (c2sp.org/tlog-checkpoint): origin (non-empty), tree size (decimal, no
 * leading zero), base64 of a 32-byte root, then optional non-empty extension lines.
 */
export function parseCheckpoint(text: string): { ok: true; checkpoint: Checkpoint } | { ok: false; detail: string } {
  if (!text.endsWith("\n")) return { ok: false, detail: "the checkpoint does not end with a newline" };
  const [origin = "", sizeText = "", rootText = "", ...extensions] = text.slice(0, -1).split("\n");
  if (origin === "") return { ok: false, detail: "the origin line is empty" };
  const size = Number(sizeText);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(size))
    return { ok: false, detail: "the tree size is not a decimal number" };
  const root = decodeBase64(rootText);
  if (root === null || root.length !== HASH_SIZE)
    return { ok: false, detail: `the root hash is not base64 of ${HASH_SIZE} bytes` };
  if (extensions.some((line) => line === "")) return { ok: false, detail: "an extension line is empty" };
  return { ok: true, checkpoint: { origin, size, root, extensions } };
}

/**
 * Opens a signed checkpoint with {@link openNote} and reads its body with {@link parseCheckpoint}: the tree it names
 * was signed by at least one of `keys`.
 *
 * @example await verifyCheckpoint(noteText, [key]) // { ok: true, checkpoint: { origin, size: 8, root, … }, signed_by: ["…"] }
 */
export async function verifyCheckpoint(
  note: string | Uint8Array,
  keys: readonly VerifierKey[],
): Promise<CheckpointCheck> {
  const opened = await openNote(note, keys);
  if (!opened.ok) return opened;
  const body = parseCheckpoint(opened.text);
  if (!body.ok) return refuse("malformed_note", `not a checkpoint: ${body.detail}`);
  return {
    ok: true,
    checkpoint: body.checkpoint,
    signed_by: opened.signed_by,
    unknown_signatures: opened.unknown_signatures,
  };
}
