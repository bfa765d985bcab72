import { ensureApprovalPage } from "./approvals/approval-pages";
import { followPageNow, trackEscalation } from "./approvals/escalation.do";
import { budgetBook } from "./budgets";
import { summarizeEscalation } from "./claude";
import { moderateWithClaude } from "./claude/moderation";
import { secretsOf, type Env } from "./env";
import { createHostRegistry, validateArguments } from "./hosts";
import { newId } from "./ids";
import { ledgerFor } from "./ledger";
import { notionApprovalPages } from "./notion/approvals/notion-approval-pages";
import type { PipelineDeps } from "./pipeline/ports";

/** The pipeline's dependencies for one request, built from the Worker's bindings. */
export function pipelineDeps(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
): PipelineDeps & { hosts: ReturnType<typeof createHostRegistry> } {
  const hosts = createHostRegistry({ db: env.DB, secrets: secretsOf(env) });
  return {
    db: env.DB,
    ledger: (tenant_id) => ledgerFor(env, tenant_id),
    budgets: (tenant_id) => budgetBook(env, tenant_id),
    toolCost: async (tenant_id, tool) =>
      (
        await env.DB.prepare("SELECT cost_cents FROM tool_settings WHERE tenant_id = ? AND tool = ?")
          .bind(tenant_id, tool)
          .first<{ cost_cents: number | null }>()
      )?.cost_cents ?? null,
    tools: hosts,
    hosts,
    validateArguments,
    now: () => new Date(),
    clock: () => performance.now(),
    newId,
    defer: (work) => ctx.waitUntil(work),
    moderate: (request) => moderateWithClaude(env, request),
    escalationOpened: async (escalation, args) => {
      const page = async () => {
        // The page comes first with the template summary; Claude's replaces it when (and if) it arrives.
        const pages = notionApprovalPages(env);
        const written = await ensureApprovalPage(env.DB, pages, escalation.id, { arguments: args });
        if (written.status === "created" || written.status === "found")
          await summarizeEscalation(env, pages, escalation.id);
      };
      await Promise.all([trackEscalation(env, escalation), page()]);
    },
    approvalUsed: async (escalation) => {
      await followPageNow(env, escalation);
    },
  };
}
