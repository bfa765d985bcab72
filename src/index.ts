import { createApp } from "./app";
import { ensureApprovalPages } from "./approvals/approval-pages";
import { pollDecisions } from "./approvals/decision-poll";
import { sweepEscalations } from "./approvals/escalation-sweep";
import { followPages } from "./approvals/follow-page";
import { summarizePending } from "./claude";
import { writeDueDigest } from "./digest/weekly";
import { pruneDecisionInputs } from "./db/decision-inputs";
import type { Env } from "./env";
import { incidentTicks } from "./incidents/tick";
import { clearEndedTasks } from "./mcp/held-tasks";
import { notionApprovalPages } from "./notion/approvals/notion-approval-pages";
import { ledgerFor } from "./ledger";
import { consumeNotifications } from "./notifications/consumer";
import { notify } from "./notifications/notify";
import { listConnections } from "./notion/connection";
import { drainOutcomeOutbox } from "./pipeline/outcome-later";
import { requestSync } from "./notion/sync/sync.do";
import { pruneWebhookEvents } from "./notion/webhook";
import { digestPorts } from "./wiring/digest";
import { incidentDeps, refreshHostHealthColumn } from "./wiring/incidents";
import { notificationConsumerDeps } from "./wiring/notifications";

export { BudgetDO } from "./budgets/budget.do";
export { HostHealthDO } from "./hosts/health/host-health.do";
export { LedgerDO } from "./ledger/ledger.do";
export { NotionGateDO } from "./notion/gate.do";
export { NotionSyncDO } from "./notion/sync/sync.do";
export { NotionEscalationDO as EscalationDO } from "./wiring/escalation.do";

const app = createApp();

export default {
  fetch: app.fetch,
  /** The notification queue's consumer (src/notifications/consumer.ts): delivers to channels, with retries. */
  async queue(batch, env) {
    await consumeNotifications(notificationConsumerDeps(env), batch);
  },
  /**
   * The cron (wrangler.toml): sync every tenant connected to Notion, give held calls their Approvals pages (and
   * Claude's summaries the first try missed), poll those pages for decisions the webhook missed, bring pages up to
   * date with their escalations, write each tenant's weekly digest when due, forget webhook event ids past replay,
   * append the outcomes the ledger refused after their host ran (every tenant's, Notion or not), hand escalations
   * whose object never tracked them (or whose expiry passed) to their objects, run the incident loop (open, update,
   * resolve, notify), write each Tools row's host health, forget decision inputs past each tenant's retention, and
   * delete MCP tasks that ended past theirs.
   */
  async scheduled(_controller, env, ctx) {
    const defer = (work: Promise<unknown>) => ctx.waitUntil(work);
    ctx.waitUntil(pruneWebhookEvents(env.DB, new Date()));
    ctx.waitUntil(
      incidentTicks(
        incidentDeps(env, (event) => notify(env, event), defer),
        new Date(),
      ).catch((error: unknown) => console.error(`incident pass failed: ${String(error)}`)),
    );
    ctx.waitUntil(
      pruneDecisionInputs(env.DB, new Date()).catch((error: unknown) =>
        console.error(`decision inputs prune failed: ${String(error)}`),
      ),
    );
    ctx.waitUntil(
      clearEndedTasks(env.DB, new Date()).catch((error: unknown) =>
        console.error(`ended MCP tasks prune failed: ${String(error)}`),
      ),
    );
    ctx.waitUntil(
      drainOutcomeOutbox(env.DB, (tenant_id) => ledgerFor(env, tenant_id)).then(
        (drain) => {
          if (drain.failed > 0) console.error(`${drain.failed} outcomes still wait for the ledger in the outbox`);
        },
        (error: unknown) => console.error(`ledger outbox pass failed: ${String(error)}`),
      ),
    );
    ctx.waitUntil(
      sweepEscalations(env, new Date()).catch((error: unknown) =>
        console.error(`escalation sweep failed: ${String(error)}`),
      ),
    );
    const pages = notionApprovalPages(env);
    for (const connection of await listConnections(env.DB)) {
      ctx.waitUntil(
        requestSync(env, connection.tenant_id, { reason: "cron" }).then(
          (report) => {
            const failed = report.sources.filter((source) => source.error);
            for (const source of failed)
              console.error(`notion sync of ${report.tenant}/${source.source} failed: ${source.error}`);
          },
          (error: unknown) => console.error(`notion sync of ${connection.tenant_id} failed: ${String(error)}`),
        ),
      );
      ctx.waitUntil(
        ensureApprovalPages(env.DB, pages, connection.tenant_id).then(
          (report) => {
            if (report.error) console.error(`approval pages of ${report.tenant_id} wait for Notion: ${report.error}`);
          },
          (error: unknown) => console.error(`approval pages of ${connection.tenant_id} failed: ${String(error)}`),
        ),
      );
      ctx.waitUntil(
        writeDueDigest(env, digestPorts(env), connection.tenant_id).then(
          (report) => {
            if (report && report.page.status === "failed")
              console.error(`digest of ${report.tenant_id} for ${report.week_start} waits: ${report.page.error}`);
          },
          (error: unknown) => console.error(`digest of ${connection.tenant_id} failed: ${String(error)}`),
        ),
      );
      ctx.waitUntil(
        refreshHostHealthColumn(env, connection.tenant_id, defer).catch((error: unknown) =>
          console.error(`host health column of ${connection.tenant_id} waits: ${String(error)}`),
        ),
      );
      ctx.waitUntil(
        summarizePending(env, pages, connection.tenant_id).catch((error: unknown) =>
          console.error(`claude summaries of ${connection.tenant_id} wait: ${String(error)}`),
        ),
      );
      ctx.waitUntil(
        Promise.all([pollDecisions(env, pages, connection.tenant_id), followPages(env, connection.tenant_id)]).catch(
          (error: unknown) => console.error(`approval decisions of ${connection.tenant_id} wait: ${String(error)}`),
        ),
      );
    }
  },
} satisfies ExportedHandler<Env>;
