import type { LedgerVerification } from "../../ledger";
import type { Condition } from "../types";

/** The ledger's chain does not verify: one condition, cause `ledger`, naming the first bad entry. */
export function ledgerUnverified(verification: LedgerVerification): Condition[] {
  if (verification.ok) return [];
  return [
    {
      cause: "ledger",
      kind: "ledger_unverified",
      title: `The ledger does not verify from entry ${verification.first_bad_seq}`,
      tools: [],
      agents: [],
      figures: { entries: verification.entries, first_bad_seq: verification.first_bad_seq },
    },
  ];
}
