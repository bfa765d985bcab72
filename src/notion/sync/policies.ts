import { snapshotStatements } from "../../db/policies";
import type { Tenant } from "../../db/tenancy";
import type { Ledger } from "../../ledger";
import { policySyncEntry } from "../../ledger";
import { compilePolicies, parsePolicyRow } from "../../policy";
import { appliedOf, type Applied, type Changes, type Verdict } from "./changes";
import { textOf, type RowValues } from "./row-values";

/** What syncing the Policies database decided. */
export interface PolicySync extends Applied {
  snapshot: { hash: string; changed: boolean };
}

/** `sha256:` and the first 12 hex digits: enough for a person to match a snapshot in the ledger. */
export const shortHash = (hash: string) => hash.slice(0, "sha256:".length + 12);

/**
 * Applies changed Policies rows. A row that does not parse, or that takes a Policy ID another row holds, keeps
 * its last good version (or stays out, when it has none); the rest are compiled into the snapshot in force.
 * Deleted rows leave the snapshot: deleting is a person's decision, not a failure. A new snapshot is written to
 * the ledger (`policy_sync`) before it takes effect.
 */
export async function syncPolicies(
  db: D1Database,
  ledger: Ledger,
  tenant: Tenant,
  changes: Changes,
): Promise<PolicySync> {
  const verdicts = new Map<string, Verdict>();
  const inForce = new Map<string, RowValues>();
  for (const [page_id, row] of changes.stored) if (row.value) inForce.set(page_id, row.value);
  for (const page_id of changes.removed) inForce.delete(page_id);
  for (const row of changes.changed) {
    const parsed = parsePolicyRow(row.values);
    if (parsed.ok) {
      verdicts.set(row.page_id, { ok: true, status: "" });
      inForce.set(row.page_id, row.values);
    } else verdicts.set(row.page_id, { ok: false, reason: parsed.reason });
  }
  refuseDuplicateIds(changes, inForce, verdicts);

  const pageIds = [...inForce.keys()].sort();
  const values = pageIds.map((page_id) => inForce.get(page_id)!);
  const { snapshot, rejected } = await compilePolicies(values, { posture: tenant.posture });
  // Every row was parsed above; a rejection here is an engine fault, and nothing is applied.
  if (rejected.length > 0) throw new Error(`policy rows in force no longer compile: ${rejected[0]!.reason}`);

  for (const row of changes.changed) {
    const verdict = verdicts.get(row.page_id)!;
    if (verdict.ok) verdict.status = okStatus(textOf(row.values.Status), snapshot.hash);
  }
  const changed = snapshot.hash !== tenant.snapshot_hash;
  const statements: D1PreparedStatement[] = [];
  if (changed) {
    await ledger.append(tenant.id, [
      policySyncEntry({
        snapshot: snapshot.hash,
        previous: tenant.snapshot_hash,
        policies: pageIds.map((page_id) => ({ page_id, policy_id: textOf(inForce.get(page_id)!["Policy ID"]) })),
        changed: changes.changed.filter((row) => verdicts.get(row.page_id)!.ok).map((row) => row.page_id),
        rejected: changes.changed.filter((row) => !verdicts.get(row.page_id)!.ok).map((row) => row.page_id),
        removed: [...changes.removed],
      }),
    ]);
    statements.push(...snapshotStatements(db, tenant.id, snapshot.hash, values, changes.now));
  }
  return { ...appliedOf(changes, verdicts, statements), snapshot: { hash: snapshot.hash, changed } };
}

/** A changed row may not take a Policy ID another row holds: it keeps its previous version instead. */
function refuseDuplicateIds(changes: Changes, inForce: Map<string, RowValues>, verdicts: Map<string, Verdict>) {
  for (;;) {
    const holders = new Map<string, string[]>();
    for (const [page_id, values] of inForce) {
      const id = textOf(values["Policy ID"]).trim();
      holders.set(id, [...(holders.get(id) ?? []), page_id]);
    }
    let refused = false;
    for (const [id, pages] of holders) {
      if (pages.length < 2) continue;
      for (const page_id of pages) {
        if (!verdicts.get(page_id)?.ok) continue;
        const other = pages.find((p) => p !== page_id)!;
        verdicts.set(page_id, {
          ok: false,
          reason: `Policy ID: "${id}" is already used by the row "${textOf(inForce.get(other)!.Name)}"; give each policy its own id`,
        });
        const before = changes.stored.get(page_id)?.value;
        if (before && !changes.removed.includes(page_id)) inForce.set(page_id, before);
        else inForce.delete(page_id);
        refused = true;
        break;
      }
      if (refused) break;
    }
    if (!refused) return;
  }
}

function okStatus(status: string, hash: string): string {
  switch (status) {
    case "Active":
      return `ok · in force in snapshot ${shortHash(hash)}`;
    case "Shadow":
      return `ok · shadow (recorded, not enforced) in snapshot ${shortHash(hash)}`;
    default:
      return `ok · ${status}: not enforced`;
  }
}
