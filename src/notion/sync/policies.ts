import type { Release } from "../../db/releases";
import type { Tenant } from "../../db/tenancy";
import { policySyncEntry } from "../../ledger";
import { compilePolicies, parsePolicyRow } from "../../policy";
import { proposeCandidate, type ProposeDeps } from "../../release/propose";
import { appliedOf, fitStatus, type Applied, type Changes, type Verdict } from "./changes";
import { givenIdNote, givenIdOf, POLICY_ID, uniquePolicyId } from "./policy-id";
import { textOf, type RowValues } from "./row-values";

/** What syncing the Policies database decided; `release` is the candidate's release when the rows changed it. */
export interface PolicySync extends Applied {
  snapshot: { hash: string; changed: boolean };
  release?: Pick<Release, "id" | "status" | "held_because">;
}

/** `sha256:` and the first 12 hex digits: enough for a person to match a snapshot in the ledger. */
export const shortHash = (hash: string) => hash.slice(0, "sha256:".length + 12);

/** Statuses that put a row out of force whatever its other columns say: a manager may always switch a row off. */
const SWITCHED_OFF: readonly string[] = ["Draft", "Retired"];

/**
 * Applies changed Policies rows. A row with a Name and no Policy ID is given one from its Name (written back to
 * Notion with its Sync status). A row that does not parse, or that takes a Policy ID another row holds, keeps its
 * last good version (or stays out, when it has none), except a Draft or Retired row: that one leaves the snapshot
 * even when other columns are invalid, since switching a rule off is a manager's explicit act. Deleted rows leave
 * the snapshot too. The rest are compiled into a candidate snapshot, checked like every candidate (golden tasks,
 * replay; src/release/propose.ts): when its release goes live it is written to the ledger (`policy_sync`,
 * switched-off and deleted rows listed as `removed`) before it takes effect; when it is held, the snapshot in force
 * stays and the changed rows' Sync status says why.
 */
export async function syncPolicies(deps: ProposeDeps, tenant: Tenant, changes: Changes): Promise<PolicySync> {
  const verdicts = new Map<string, Verdict>();
  const inForce = new Map<string, RowValues>();
  for (const [page_id, row] of changes.stored) if (row.value) inForce.set(page_id, row.value);
  for (const page_id of changes.removed) inForce.delete(page_id);
  const giveId = policyIdGiver(changes, inForce);
  const given = new Map<string, string>();
  const switchedOff: string[] = [];
  for (const row of changes.changed) {
    const id = giveId(row.page_id, row.values);
    if (id) given.set(row.page_id, id);
    const values = id ? { ...row.values, [POLICY_ID]: id } : row.values;
    const parsed = parsePolicyRow(values);
    const status = textOf(values.Status).trim();
    if (parsed.ok) {
      verdicts.set(row.page_id, { ok: true, status: "", ...(id ? { value: values } : {}) });
      inForce.set(row.page_id, values);
    } else if (SWITCHED_OFF.includes(status)) {
      verdicts.set(row.page_id, { ok: true, status: switchedOffStatus(status, parsed.reason), value: null });
      if (inForce.delete(row.page_id)) switchedOff.push(row.page_id);
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
    if (!verdict.ok || verdict.value === null) continue;
    const id = given.get(row.page_id);
    verdict.status = okStatus(textOf(row.values.Status), snapshot.hash) + (id ? givenIdNote(id) : "");
  }
  const changed = snapshot.hash !== tenant.snapshot_hash;
  const statements: D1PreparedStatement[] = [];
  const proposal = changed ? await proposeCandidate(deps, tenant, { snapshot, rows: values, source: "notion" }) : null;
  const release = proposal?.release;
  if (proposal) statements.push(...proposal.statements);
  if (release && release.status !== "live") {
    for (const row of changes.changed) {
      const verdict = verdicts.get(row.page_id)!;
      if (verdict.ok) verdict.status = heldStatus(release, verdict.status);
    }
  } else if (changed) {
    await deps.ledger.append(tenant.id, [
      policySyncEntry({
        snapshot: snapshot.hash,
        previous: tenant.snapshot_hash,
        policies: pageIds.map((page_id) => ({ page_id, policy_id: textOf(inForce.get(page_id)!["Policy ID"]) })),
        changed: changes.changed
          .filter((row) => inForce.has(row.page_id) && verdicts.get(row.page_id)!.ok)
          .map((row) => row.page_id),
        rejected: changes.changed.filter((row) => !verdicts.get(row.page_id)!.ok).map((row) => row.page_id),
        removed: [...changes.removed, ...switchedOff],
      }),
    ]);
  }
  return {
    ...appliedOf(changes, verdicts, statements),
    snapshot: { hash: snapshot.hash, changed },
    ...(release ? { release: { id: release.id, status: release.status, held_because: release.held_because } } : {}),
  };
}

/**
 * The Sync status of a changed row whose candidate is held: why, the release to accept, and that the previous
 * version decides meanwhile. `status` (what the row would say once in force) keeps a Policy ID the sync gave it.
 */
function heldStatus(release: Release, status: string): string {
  const given = givenIdOf(status);
  return fitStatus(
    `held: release ${release.id} is held because ${release.held_because ?? "a person must accept it"}.`,
    ` The snapshot in force keeps deciding until a manager accepts the release (Accept with a Reason on its page ` +
      `in Releases, or policy-os releases accept ${release.id}) or fixes the rows.${given ? givenIdNote(given) : ""}`,
  );
}

/**
 * Gives a changed row with a Name and a blank Policy ID its id: the one its stored version had (ids stay stable),
 * else one from its Name that no other row holds, taken or asked for. Null when the row names its id, or has no Name.
 */
function policyIdGiver(changes: Changes, inForce: ReadonlyMap<string, RowValues>) {
  const changedPages = new Set(changes.changed.map((row) => row.page_id));
  const taken = new Set<string>();
  for (const [page_id, values] of inForce) if (!changedPages.has(page_id)) taken.add(policyIdOf(values));
  for (const row of changes.changed) taken.add(policyIdOf(row.values));
  taken.delete("");
  return (page_id: string, values: RowValues): string | null => {
    const name = textOf(values.Name).trim();
    if (policyIdOf(values) !== "" || name === "") return null;
    const before = changes.stored.get(page_id)?.value;
    const kept = before ? policyIdOf(before) : "";
    const id = kept !== "" && !taken.has(kept) ? kept : uniquePolicyId(name, taken);
    taken.add(id);
    return id;
  };
}

const policyIdOf = (values: RowValues) => textOf(values[POLICY_ID]).trim();

/** The Sync status of a Draft or Retired row whose other columns do not validate: out of force, and what to fix. */
function switchedOffStatus(status: string, reason: string): string {
  return fitStatus(`ok · ${status}: not enforced; before it can be Active or Shadow, fix ${reason}`, "");
}

/** A changed row may not take a Policy ID another row holds: it keeps its previous version instead. */
function refuseDuplicateIds(changes: Changes, inForce: Map<string, RowValues>, verdicts: Map<string, Verdict>) {
  for (;;) {
    const holders = new Map<string, string[]>();
    for (const [page_id, values] of inForce) {
      const id = textOf(values[POLICY_ID]).trim();
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
