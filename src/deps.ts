import { ensureApprovalPage } from "./approvals/approval-pages";
import { followPageNow, trackEscalation } from "./approvals/escalation.do";
import { settleAll } from "./approvals/settle-all";
import { escalationOfAgent, openEscalation, releaseApproval, useApprovalOnFile } from "./approvals/escalations";
import { budgetBook } from "./budgets";
import { summarizeEscalation } from "./claude";
import { moderateWithClaude } from "./claude/moderation";
import { auditRowStatement } from "./db/audit";
import { decisionInputStatement } from "./db/decision-inputs";
import { writesTogether } from "./db/writes-together";
import { keepPendingOutcome } from "./db/ledger-outbox";
import { policyPageId } from "./db/notion-rows";
import { toolCostCents } from "./db/tool-settings";
import { runSigningKey, type Env } from "./env";
import { hostHealthFor, hostRegistryFor, validateArguments, type HostHealthBoard, type HostRegistry } from "./hosts";
import { newId } from "./ids";
import { ledgerFor } from "./ledger";
import { alertEvents } from "./notifications/alert-event";
import { budgetEvent } from "./notifications/budget-event";
import { notify } from "./notifications/notify";
import { notionApprovalPages } from "./notion/approvals/notion-approval-pages";
import type { PipelineDeps } from "./pipeline/ports";
import { runIds } from "./runs/run-ids";

/** The pipeline's dependencies for one request, built from the Worker's bindings. */
export function pipelineDeps(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
): PipelineDeps & { hosts: HostRegistry; hostHealth: HostHealthBoard } {
  const hosts = hostRegistryFor(env);
  const defer = (work: Promise<unknown>) => ctx.waitUntil(work);
  // A call's audit row and decision input are written after the response in the same turn: one D1 batch.
  const afterCall = writesTogether(env.DB);
  return {
    ledger: (tenant_id) => ledgerFor(env, tenant_id),
    budgets: (tenant_id) => budgetBook(env, tenant_id),
    toolCost: (tenant_id, tool) => toolCostCents(env.DB, tenant_id, tool),
    escalations: {
      useApprovalOnFile: (...args) => useApprovalOnFile(env.DB, ...args),
      openEscalation: (...args) => openEscalation(env.DB, ...args),
      releaseApproval: (...args) => releaseApproval(env.DB, ...args),
      escalationOfAgent: (...args) => escalationOfAgent(env.DB, ...args),
    },
    runs: runIds(runSigningKey(env)),
    audit: { writeAudit: (row) => afterCall(auditRowStatement(env.DB, row)) },
    decisionInputs: { keep: (input) => afterCall(decisionInputStatement(env.DB, input)) },
    outbox: { keep: (pending) => keepPendingOutcome(env.DB, pending) },
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    tools: hosts,
    hosts,
    hostHealth: hostHealthFor(env, defer),
    validateArguments,
    now: () => new Date(),
    clock: () => performance.now(),
    newId,
    defer,
    moderate: (request) => moderateWithClaude(env, request),
    escalationOpened: async (escalation, args) => {
      const page = async () => {
        // The page comes first with the template summary; Claude's replaces it when (and if) it arrives.
        const pages = notionApprovalPages(env);
        const written = await ensureApprovalPage(env.DB, pages, escalation.id, { arguments: args });
        if (written.status === "created" || written.status === "found")
          await summarizeEscalation(env, pages, escalation.id);
      };
      // Both run to their end: with Promise.all, a rejected one would end the deferred work while the other still
      // writes, and the runtime would cut that write off mid-claim.
      await settleAll([trackEscalation(env, escalation), page()]);
    },
    approvalUsed: async (escalation) => {
      await followPageNow(env, escalation);
    },
    alerted: async (alert) => {
      const pages = new Map<string, string | null>();
      for (const { policy_id } of alert.policies)
        pages.set(policy_id, await policyPageId(env.DB, alert.tenant_id, policy_id));
      await Promise.all(alertEvents(alert, (id) => pages.get(id) ?? null).map((event) => notify(env, event)));
    },
    budgetCrossed: async (tenant_id, crossings) => {
      await Promise.all(crossings.map((crossing) => notify(env, budgetEvent(tenant_id, crossing))));
    },
  };
}
