/** A person accepts a held release: it is recorded with who and why, on the ledger first, then put in force. */
import { inForceStatement } from "../db/policies";
import { acceptReleaseStatement, getRelease, rolledBackStatement, type Release } from "../db/releases";
import type { Tenant } from "../db/tenancy";
import { releaseAcceptedEntry } from "../ledger";
import type { Ledger } from "../ledger/types";
import { recordable } from "../pipeline/call-state";

/** What accepting needs. */
export interface AcceptDeps {
  db: D1Database;
  ledger: Pick<Ledger, "append">;
  now: () => Date;
}

/** The accepted release, or why it cannot be accepted. */
export type Acceptance =
  { ok: true; release: Release } | { ok: false; code: "release_not_found" | "release_not_held"; message: string };

/**
 * Accepts the tenant's held release `id`: a `release_accepted` entry (who, the redacted reason), then the release
 * marked `accepted` and its snapshot put in force (an accepted rollback marks the release it replaces `rolled_back`). A release that is not held is refused, so an old candidate a
 * newer one replaced never comes back this way.
 */
export async function acceptRelease(
  deps: AcceptDeps,
  tenant: Tenant,
  id: string,
  decision: { by: string; reason: string },
): Promise<Acceptance> {
  const release = await getRelease(deps.db, tenant.id, id);
  if (!release) return { ok: false, code: "release_not_found", message: `Tenant ${tenant.id} has no release ${id}.` };
  if (release.status !== "held")
    return {
      ok: false,
      code: "release_not_held",
      message: `Release ${id} is ${release.status}; only a held release can be accepted.`,
    };
  // Who accepted is the accountable person, kept as named (like an approval's decided_by); the reason is free text.
  const by = decision.by;
  const reason = recordable(decision.reason);
  await deps.ledger.append(tenant.id, [
    releaseAcceptedEntry({
      release_id: id,
      snapshot: release.snapshot,
      previous: tenant.snapshot_hash,
      accepted_by: by,
      reason,
    }),
  ]);
  const at = deps.now().toISOString();
  const accepted = await acceptReleaseStatement(deps.db, tenant.id, id, { by, reason, at }).run();
  // Another acceptance (or a newer candidate) got there between the read and the write: this one changes nothing.
  if ((accepted.meta.changes ?? 0) === 0)
    return { ok: false, code: "release_not_held", message: `Release ${id} is no longer held.` };
  const inForce = [inForceStatement(deps.db, tenant.id, release.snapshot)];
  if (release.source === "rollback" && tenant.snapshot_hash)
    inForce.unshift(rolledBackStatement(deps.db, tenant.id, tenant.snapshot_hash, at));
  await deps.db.batch(inForce);
  return {
    ok: true,
    release: { ...release, status: "accepted", decided_by: by, decided_reason: reason, decided_at: at },
  };
}
