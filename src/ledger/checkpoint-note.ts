import { Buffer } from "node:buffer";
import type { CheckpointSigner } from "./signing-key";
import type { BeyondTree, Ledger, TreeHead } from "./types";

/**
 * The checkpoint origin of a tenant's ledger: `<key name>/policy-os/<tenant id>`. The key name names the deployment
 * (set it to the deployment's host, such as `ledger.example.com`), so two deployments, or two tenants, never share
 * an origin. Tenant ids are lower-case letters, digits, `_` and `-`, so an origin is one line without spaces.
 */
export function checkpointOrigin(keyName: string, tenant_id: string): string {
  return `${keyName}/policy-os/${tenant_id}`;
}

/** A checkpoint's note text (c2sp.org/tlog-checkpoint): `<origin>\n<tree size>\n<base64 root hash>\n`. */
export function checkpointBody(origin: string, head: TreeHead): string {
  return `${origin}\n${head.tree_size}\n${head.root_hash}\n`;
}

/**
 * A signed checkpoint in the C2SP signed-note format: the body, a blank line, and one signature line
 * `— <key name> <base64(4-byte key id ‖ Ed25519 signature over the body)>`.
 *
 * @example await signedCheckpoint(signer, "ledger.example.com/policy-os/acme", { tree_size: 3, root_hash: "…" })
 */
export async function signedCheckpoint(signer: CheckpointSigner, origin: string, head: TreeHead): Promise<string> {
  const body = checkpointBody(origin, head);
  const signature = await signer.sign(new TextEncoder().encode(body));
  return `${body}\n\u2014 ${signer.name} ${Buffer.concat([signer.keyId, signature]).toString("base64")}\n`;
}

/**
 * The signed checkpoint of `tenant_id`'s ledger at `size` entries (default: every committed entry), or the ledger's
 * size when it holds fewer.
 *
 * @example await checkpointOf(ledgerFor(env, "acme"), signer, "acme", 42)
 */
export async function checkpointOf(
  ledger: Pick<Ledger, "treeHead">,
  signer: CheckpointSigner,
  tenant_id: string,
  size?: number,
): Promise<string | BeyondTree> {
  const head = await ledger.treeHead(size);
  if ("beyond" in head) return head;
  return signedCheckpoint(signer, checkpointOrigin(signer.name, tenant_id), head);
}
