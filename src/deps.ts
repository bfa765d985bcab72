import { ensureApprovalPage } from "./approvals/approval-pages";
import { followPageNow, trackEscalation } from "./approvals/escalation.do";
import type { Env } from "./env";
import { createHostRegistry, validateArguments } from "./hosts";
import { newId } from "./ids";
import { ledgerFor } from "./ledger";
import type { PipelineDeps } from "./pipeline/ports";

/** The pipeline's dependencies for one request, built from the Worker's bindings. */
export function pipelineDeps(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
): PipelineDeps & { hosts: ReturnType<typeof createHostRegistry> } {
  const hosts = createHostRegistry({ db: env.DB, secrets: env });
  return {
    db: env.DB,
    ledger: (tenant_id) => ledgerFor(env, tenant_id),
    tools: hosts,
    hosts,
    validateArguments,
    now: () => new Date(),
    clock: () => performance.now(),
    newId,
    defer: (work) => ctx.waitUntil(work),
    escalationOpened: async (escalation, args) => {
      await Promise.all([
        trackEscalation(env, escalation),
        ensureApprovalPage(env, escalation.id, { arguments: args }),
      ]);
    },
    approvalUsed: async (escalation) => {
      await followPageNow(env, escalation);
    },
  };
}
