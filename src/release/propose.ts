/**
 * A candidate snapshot proposed to take effect (from PUT /admin/policies, the Notion sync or a rollback): checked,
 * recorded as a release and on the ledger, and put in force only when the promotion rule lets it go live.
 */
import { lastResultStatements } from "../db/golden-tasks";
import { inForceStatement, snapshotFor, storeSnapshotStatement } from "../db/policies";
import {
  getRelease,
  heldReleaseOf,
  insertReleaseStatement,
  rejectHeldStatement,
  rolledBackStatement,
  type Release,
  type ReleaseSource,
} from "../db/releases";
import type { Tenant } from "../db/tenancy";
import { releaseEntry } from "../ledger";
import type { Ledger } from "../ledger/types";
import type { PolicySnapshot } from "../policy";
import { checkCandidate, type CheckDeps } from "./check";

/** What proposing needs besides checking: the tenant's ledger and an id generator. */
export interface ProposeDeps extends CheckDeps {
  ledger: Pick<Ledger, "append">;
  newId: (prefix: string) => string;
}

/** A candidate to propose: its compiled snapshot, the rows it was compiled from, and where it came from. */
export interface Candidate {
  snapshot: PolicySnapshot;
  rows: unknown[];
  source: ReleaseSource;
}

/** The release of a proposed candidate, and the D1 statements that record it (and put it in force when live). */
export interface Proposal {
  release: Release;
  statements: D1PreparedStatement[];
}

/**
 * Checks a candidate and appends its `release` entry, then answers the statements that store its rows, record the
 * release, write each golden task's last result back, supersede older held releases and, when it goes live, put
 * it in force (marking the live release of a snapshot a rollback replaces as `rolled_back`). The caller runs them
 * in one batch. A candidate already held is found again (no second entry). Null when the candidate is the
 * snapshot in force.
 */
export async function proposeCandidate(
  deps: ProposeDeps,
  tenant: Tenant,
  candidate: Candidate,
): Promise<Proposal | null> {
  const { db } = deps;
  const hash = candidate.snapshot.hash;
  if (hash === tenant.snapshot_hash) return null;
  const held = await heldReleaseOf(db, tenant.id, hash);
  if (held) {
    const release = await getRelease(db, tenant.id, held);
    if (release) return { release, statements: [] };
  }
  const inForce = await snapshotFor(db, tenant);
  const { report, promotion } = await checkCandidate(deps, tenant, inForce, candidate.snapshot);
  const at = deps.now().toISOString();
  const id = deps.newId("rel");
  const failed = report.golden.filter((result) => !result.passed);
  const release: Release = {
    id,
    tenant_id: tenant.id,
    snapshot: hash,
    previous: tenant.snapshot_hash,
    source: candidate.source,
    status: promotion.status,
    golden: { passed: report.golden.length - failed.length, failed: failed.length },
    replay: { calls: report.replay.calls, changed: report.replay.changed, indeterminate: report.replay.indeterminate },
    held_because: promotion.because,
    decided_by: null,
    decided_reason: null,
    decided_at: null,
    created_at: at,
    report: report as unknown as Record<string, unknown>,
  };
  await deps.ledger.append(tenant.id, [
    releaseEntry({
      release_id: id,
      snapshot: hash,
      previous: tenant.snapshot_hash,
      source: candidate.source,
      status: promotion.status,
      changed_rows: report.changed_rows,
      golden: { passed: release.golden.passed, failed: failed.map((result) => result.name) },
      replay: release.replay,
      held_because: promotion.because,
    }),
  ]);
  const statements = [
    storeSnapshotStatement(db, tenant.id, hash, candidate.rows, at),
    insertReleaseStatement(db, release),
    rejectHeldStatement(db, tenant.id, id, at),
    ...lastResultStatements(
      db,
      tenant.id,
      report.golden.map((result) => ({ ...result, release_id: id, snapshot: hash, at })),
    ),
  ];
  if (promotion.status === "live") {
    if (candidate.source === "rollback" && tenant.snapshot_hash)
      statements.push(rolledBackStatement(db, tenant.id, tenant.snapshot_hash, at));
    statements.push(inForceStatement(db, tenant.id, hash));
  }
  return { release, statements };
}
