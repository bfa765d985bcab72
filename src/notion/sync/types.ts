import type { SyncedSource } from "../connection";
import type { AcceptanceReport } from "../releases/release-acceptance";
import type { RollbackWrite } from "./rollback-rows";

/** What a sync is asked to do. */
export interface SyncRequest {
  /** Which databases to read (default: all four synced ones). */
  sources?: SyncedSource[];
  /** Read every row, not only the ones edited since the last sync (finds deleted rows). */
  full?: boolean;
  /** Pages a webhook named: re-read each one, which also notices a deleted page. */
  pages?: string[];
  /** Answer only after Sync status values and the Tools catalog are written back (tests, the CLI). */
  wait_for_write_back?: boolean;
  /** Who asked, for the report and the logs. */
  reason: "cron" | "admin" | "webhook" | "connect";
}

/** What one database's sync did. */
export interface SourceReport {
  source: SyncedSource;
  /** Notion requests made for this database (reads and writes). */
  requests: number;
  /** Rows read from Notion. */
  read: number;
  /** Rows whose content changed since the last sync. */
  changed: number;
  /** Changed rows now in force. */
  applied: number;
  /** Changed rows refused, with the reason written to their Sync status. */
  rejected: { page_id: string; name: string; reason: string }[];
  /** Rows gone from Notion (deleted or moved to trash). */
  removed: number;
  /** Something the sync could only partly do (the rows it read were applied). */
  warning?: string;
  /** Why this database could not be synced; what was in force stays in force. */
  error?: string;
}

/** The result of one sync of one tenant. */
export interface SyncReport {
  tenant: string;
  reason: SyncRequest["reason"];
  started_at: string;
  finished_at: string;
  sources: SourceReport[];
  /** The policy snapshot in force after the sync, and whether this sync changed it. */
  snapshot: { hash: string | null; changed: boolean };
  /** Sync status values written back to Notion rows, and how many are still waiting. */
  statuses: { written: number; pending: number };
  /** Notion requests made in all. */
  requests: number;
  /** Held releases accepted (or refused) on their Releases page by this sync, when the tenant has that database. */
  releases?: AcceptanceReport;
  /** The rollback in force this sync wrote back to the Policies rows, when one waited. */
  rollback?: RollbackWrite;
}
