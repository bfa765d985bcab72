#!/usr/bin/env node
// `node scripts/ledger-key.mjs <key name>`: makes a key that signs ledger checkpoints and prints the two lines to keep:
// the signer key, the value of the LEDGER_SIGNING_KEY secret, and the verifier key auditors check checkpoints with
// (c2sp.org/signed-note; docs/ledger.md#signed-checkpoints). Name the key for the deployment, such as its host.
// `npm start` uses localLedgerKey() for a local key that lasts as long as the local ledger.
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A new Ed25519 checkpoint key named `name`: `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>` and its verifier
 * key `<name>+<hex id>+<base64(0x01 ‖ public key)>`, key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
 * @param {string} name
 */
export function newLedgerKey(name) {
  if (!name || /[\s+]/u.test(name)) throw new Error("a key name must be non-empty, without spaces or '+'");
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  // The last 32 bytes of the PKCS #8 and SPKI encodings of an Ed25519 key are its seed and its public key.
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const id = createHash("sha256")
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([1]), pub]))
    .digest()
    .subarray(0, 4)
    .toString("hex");
  const encode = (key) => Buffer.concat([Buffer.from([1]), key]).toString("base64");
  return { signerKey: `PRIVATE+KEY+${name}+${id}+${encode(seed)}`, verifierKey: `${name}+${id}+${encode(pub)}` };
}

/**
 * The local Worker's checkpoint key (named `localhost`), kept in `<dir>/ledger-signing-key` beside the local ledger
 * and made on first use, so checkpoints signed before a restart still verify after it.
 * @param {string} dir
 */
export function localLedgerKey(dir) {
  const file = join(dir, "ledger-signing-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dir, { recursive: true });
  const { signerKey } = newLedgerKey("localhost");
  writeFileSync(file, `${signerKey}\n`, { mode: 0o600 });
  return signerKey;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (!name) {
    console.error("usage: node scripts/ledger-key.mjs <key name, such as ledger.example.com>");
    process.exit(2);
  }
  const { signerKey, verifierKey } = newLedgerKey(name);
  console.log(`LEDGER_SIGNING_KEY (secret: npx wrangler secret put LEDGER_SIGNING_KEY)\n  ${signerKey}`);
  console.log(`verifier key (publish it; GET /admin/ledger/key answers it)\n  ${verifierKey}`);
}
