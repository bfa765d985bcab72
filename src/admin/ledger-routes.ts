import { Hono } from "hono";
import { z } from "zod";
import { pendingOutcomeCount } from "../db/ledger-outbox";
import { checkpointOf, checkpointSigner, ledgerFor, type BeyondTree, type CheckpointSigner } from "../ledger";
import { ApiError } from "../http/errors";
import type { Env } from "../env";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/** A whole number in a query parameter, at least `min`. */
const count = (min: number, name: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `${name} must be at least ${min}`);

/** `GET /admin/ledger/proof/inclusion`'s query: the entry's seq and the tree size (default: the ledger's). */
export const inclusionQuerySchema = z
  .object({
    seq: count(1, "seq").describe("the entry's sequence number"),
    size: count(1, "size").optional().describe("the tree size the proof is against (default: every entry)"),
  })
  .refine((q) => q.size === undefined || q.seq <= q.size, { path: ["seq"], error: "seq must be at most size" });

/** `GET /admin/ledger/proof/consistency`'s query: the earlier and the later tree size (default: the ledger's). */
export const consistencyQuerySchema = z
  .object({
    from: count(0, "from").describe("the earlier tree size"),
    to: count(0, "to").optional().describe("the later tree size (default: every entry)"),
  })
  .refine((q) => q.to === undefined || q.from <= q.to, { path: ["from"], error: "from must be at most to" });

/**
 * The admin API's ledger: the tenant's entries a page at a time with the head; verifying the chain (with
 * `pending_outcomes`, the outcomes still waiting in the outbox for the ledger, when there are any); the signed
 * checkpoint of its Merkle tree, inclusion and consistency proofs, and the verifier key (docs/ledger.md).
 */
export function ledgerAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/ledger", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const ledger = ledgerFor(c.env, tenant.id);
    const after_seq = Number(c.req.query("after_seq") ?? 0);
    const [head, entries] = await Promise.all([
      ledger.head(),
      ledger.list({
        after_seq: Number.isInteger(after_seq) && after_seq >= 0 ? after_seq : 0,
        limit: limitOf(c, 100, 1000),
      }),
    ]);
    // Entry bodies are arbitrary JSON: hono's response-type inference would recurse over them without end.
    return c.json({ tenant: tenant.id, head, entries } as Record<string, unknown>);
  });
  admin.get("/ledger/verify", tenantScope(), async (c) => {
    const tenant_id = c.get("tenant").id;
    const [verification, pending_outcomes] = await Promise.all([
      ledgerFor(c.env, tenant_id).verify(),
      pendingOutcomeCount(c.env.DB, tenant_id),
    ]);
    // Only when some wait: the chain's verification keeps its shape for every tenant whose outcomes are all recorded.
    return c.json(pending_outcomes > 0 ? { ...verification, pending_outcomes } : verification);
  });

  admin.get("/ledger/checkpoint", tenantScope(), async (c) => {
    const signer = await signerOf(c.env);
    const tenant_id = c.get("tenant").id;
    const note = await checkpointOf(ledgerFor(c.env, tenant_id), signer, tenant_id);
    if (typeof note !== "string") throw new Error("the ledger refused its own tree head");
    return c.text(note, 200, { "content-type": "text/plain; charset=utf-8" });
  });
  admin.get("/ledger/proof/inclusion", validate("query", inclusionQuerySchema), tenantScope(), async (c) => {
    const { seq, size } = c.req.valid("query");
    const proof = await ledgerFor(c.env, c.get("tenant").id).inclusionProof(seq, size);
    if ("beyond" in proof) throw size === undefined ? beyondTree(proof, "seq", seq) : beyondTree(proof, "size", size);
    return c.json({ leaf_index: proof.leaf_index, tree_size: proof.tree_size, hashes: proof.hashes });
  });
  admin.get("/ledger/proof/consistency", validate("query", consistencyQuerySchema), tenantScope(), async (c) => {
    const { from, to } = c.req.valid("query");
    const proof = await ledgerFor(c.env, c.get("tenant").id).consistencyProof(from, to);
    if ("beyond" in proof) throw beyondTree(proof, to === undefined ? "from" : "to", to ?? from);
    return c.json({ hashes: proof.hashes });
  });
  // The key is the deployment's, not a tenant's: every tenant's checkpoints are signed with it.
  admin.get("/ledger/key", async (c) => {
    const signer = await signerOf(c.env);
    return c.text(signer.verifierKey, 200, { "content-type": "text/plain; charset=utf-8" });
  });

  return admin;
}

/** The deployment's checkpoint signer, or a 503 saying how to configure it (never echoing the secret). */
async function signerOf(env: Env): Promise<CheckpointSigner> {
  const signer = await checkpointSigner(env.LEDGER_SIGNING_KEY);
  if (!("problem" in signer)) return signer;
  if (signer.problem === "missing")
    throw new ApiError(
      503,
      "ledger_signing_key_missing",
      "Set the LEDGER_SIGNING_KEY secret to sign ledger checkpoints (docs/ledger.md#signed-checkpoints).",
    );
  throw new ApiError(503, "ledger_signing_key_invalid", `LEDGER_SIGNING_KEY is not a signing key: ${signer.why}.`);
}

/** The 400 for a proof asked of more entries than the ledger holds. */
function beyondTree(beyond: BeyondTree, path: string, asked: number): ApiError {
  const message = `${path} ${asked} is beyond the ledger, which holds ${beyond.tree_size} entries.`;
  return new ApiError(400, "invalid_request", message, [{ path, message }]);
}
