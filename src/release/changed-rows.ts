/** Which policy rows a candidate snapshot adds, removes or changes, by Policy ID. */
import type { CompiledPolicy, PolicySnapshot } from "../policy";

/** Policy IDs of the rows in force that a candidate adds, removes or changes (Active and Shadow rows). */
export interface ChangedRows {
  added: string[];
  removed: string[];
  modified: string[];
}

/** The rows that differ between the snapshot in force and a candidate. */
export function changedRows(inForce: PolicySnapshot, candidate: PolicySnapshot): ChangedRows {
  const before = new Map(inForce.policies.map((row) => [row.policy_id, rowSignature(row)]));
  const after = new Map(candidate.policies.map((row) => [row.policy_id, rowSignature(row)]));
  const sorted = (ids: Iterable<string>) => [...ids].sort();
  return {
    added: sorted([...after.keys()].filter((id) => !before.has(id))),
    removed: sorted([...before.keys()].filter((id) => !after.has(id))),
    modified: sorted([...after].filter(([id, sig]) => before.has(id) && before.get(id) !== sig).map(([id]) => id)),
  };
}

const signatures = new WeakMap<CompiledPolicy, string>();

/** What a row says (its compiled parts left out): two rows with equal signatures decide alike. */
export function rowSignature(row: CompiledPolicy): string {
  let signature = signatures.get(row);
  if (signature === undefined) {
    const { policy_id, name, type, mode, status, tools, agents, scopes, users, approvers, tags } = row;
    const { condition, priority, reason_code, message, guard } = row;
    const routing = [policy_id, name, type, mode, status, tools, agents, scopes, users, approvers, tags];
    signature = JSON.stringify([...routing, condition, priority, reason_code, message, guard ?? null]);
    signatures.set(row, signature);
  }
  return signature;
}
