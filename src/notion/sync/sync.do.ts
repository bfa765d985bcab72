import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import { getConnection } from "../connection";
import { forgetPrincipals } from "../../http/principal-cache";
import { runSync } from "./run";
import type { SyncReport, SyncRequest } from "./types";

type Queued = { request: SyncRequest; report: Promise<SyncReport> };

/** How long an unfinished write-back may go without progress before the alarm resumes it. */
const WRITE_BACK_WATCHDOG_MS = 90_000;

/**
 * One per tenant: runs that tenant's Notion syncs one at a time, so two syncs never race to write the snapshot.
 * A request that arrives while a sync runs is folded into the next run, and every caller gets the report of a
 * run that started after it asked. Writing back to Notion (Sync status, the Tools catalog) follows each run in
 * the background and gives way as soon as another sync is waiting; the next run's write-back finishes it. While a
 * write-back is unfinished an alarm stands by: if the object is evicted mid-way (or Notion was down), the alarm
 * runs a sync that carries on where it stopped.
 */
export class NotionSyncDO extends DurableObject<Env> {
  #running: Promise<unknown> = Promise.resolve();
  #next: Queued | null = null;
  #stopping = false;
  #writing = false;

  /** Stops the write-back in progress after its current request and waits until nothing runs (disconnect). */
  async stop(): Promise<void> {
    this.#stopping = true;
    try {
      await this.#running;
      await this.ctx.storage.deleteAlarm();
    } finally {
      this.#stopping = false;
    }
  }

  /** The write-back watchdog: resumes an unfinished write-back with a sync of the tenant. */
  override async alarm(): Promise<void> {
    const tenant_id = await this.ctx.storage.get<string>("tenant");
    if (!tenant_id) return;
    if (this.#writing) {
      await this.ctx.storage.setAlarm(Date.now() + WRITE_BACK_WATCHDOG_MS);
      return;
    }
    if (await getConnection(this.env.DB, tenant_id)) await this.sync(tenant_id, { reason: "cron" });
  }

  async sync(tenant_id: string, request: SyncRequest): Promise<SyncReport> {
    if (this.#next) {
      this.#next.request = merge(this.#next.request, request);
      return this.#next.report;
    }
    const next: Queued = { request, report: null! };
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    next.report = this.#running.then(async () => {
      this.#next = null;
      try {
        const run = await runSync(this.env, tenant_id, next.request);
        if (run.writeBack) {
          await this.ctx.storage.put("tenant", tenant_id);
          await this.ctx.storage.setAlarm(Date.now() + WRITE_BACK_WATCHDOG_MS);
          this.#writing = true;
        }
        const writing = run
          .writeBack?.(() => this.#next !== null || this.#stopping)
          .then(
            async (result) => {
              run.report.statuses = { written: result.written, pending: result.pending };
              if (result.error) console.error(`notion write-back for ${tenant_id} stopped: ${result.error}`);
              if (result.pending === 0) await this.ctx.storage.deleteAlarm();
            },
            (error: unknown) => console.error(`notion write-back for ${tenant_id} failed: ${String(error)}`),
          )
          .finally(() => (this.#writing = false));
        if (next.request.wait_for_write_back) await writing;
        void writing?.finally(done);
        if (!writing) done();
        return run.report;
      } catch (error) {
        done();
        throw error;
      }
    });
    this.#next = next;
    this.#running = finished;
    return next.report;
  }
}

function merge(a: SyncRequest, b: SyncRequest): SyncRequest {
  const sources = a.sources && b.sources ? [...new Set([...a.sources, ...b.sources])] : undefined;
  // A run that reads whole databases covers the pages a webhook named (their databases are in `sources`).
  const pages = a.pages && b.pages ? [...new Set([...a.pages, ...b.pages])] : undefined;
  return {
    sources,
    full: a.full === true || b.full === true,
    pages,
    reason: a.reason === b.reason ? a.reason : a.reason === "webhook" ? b.reason : a.reason,
    wait_for_write_back: a.wait_for_write_back === true || b.wait_for_write_back === true,
  };
}

/**
 * Runs a sync of the tenant's Notion databases now (after any sync already running) and returns its report.
 * When the sync changed policies or agents, this isolate drops the principals it cached (they carry the
 * tenant's snapshot and the agent's status), so its next call sees the change; other isolates see it within
 * AUTH_CACHE_TTL_MS.
 */
export async function requestSync(env: Env, tenant_id: string, request: SyncRequest): Promise<SyncReport> {
  const report = await env.NOTION_SYNC.get(env.NOTION_SYNC.idFromName(tenant_id)).sync(tenant_id, request);
  if (report.snapshot.changed || report.sources.some((s) => s.source === "agents" && s.applied > 0)) forgetPrincipals();
  return report;
}
