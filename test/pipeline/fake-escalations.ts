/** In-memory escalations for the pipeline's tests, with the claim, expiry and release rules of src/approvals. */
import type { ApprovalOnFile, Escalation, ExactCall } from "../../src/approvals/escalations";
import type { PipelineDeps } from "../../src/pipeline/ports";
import type { FakeWorld } from "./fake-deps";

/** The escalation port over `world.escalations` (it fails while `world.escalationsDown`). */
export function fakeEscalations(world: FakeWorld): PipelineDeps["escalations"] {
  const up = () => {
    if (world.escalationsDown) throw new Error("escalations unavailable");
  };
  const ofCall = (call: ExactCall) =>
    world.escalations.filter(
      (e) =>
        e.tenant_id === call.tenant_id &&
        e.agent_id === call.agent_id &&
        e.tool === call.tool &&
        e.args_hash === call.args_hash,
    );
  return {
    async useApprovalOnFile(call, options): Promise<ApprovalOnFile> {
      up();
      const now = options.now.toISOString();
      const found = options.escalation_id
        ? world.escalations.find((e) => e.id === options.escalation_id && e.tenant_id === call.tenant_id)
        : ofCall(call).at(-1);
      if (!found)
        return options.escalation_id
          ? { state: "not_this_call", escalation_id: options.escalation_id }
          : { state: "none" };
      if (!ofCall(call).includes(found)) return { state: "not_this_call", escalation_id: found.id };
      if (found.status === "pending" && found.expires_at <= now) {
        found.status = "expired";
        return { state: "expired", escalation: { ...found }, expired_now: true };
      }
      switch (found.status) {
        case "approved":
          Object.assign(found, { status: "executed", executed_at: now, executed_invocation_id: options.invocation_id });
          return { state: "granted", escalation: { ...found } };
        case "pending":
        case "denied":
          return { state: found.status, escalation: { ...found } };
        case "expired":
          return { state: "expired", escalation: { ...found }, expired_now: false };
        case "executed":
          return options.new_request ? { state: "none" } : { state: "executed", escalation: { ...found } };
        default:
          return { state: "none" };
      }
    },
    async openEscalation(held, options) {
      up();
      const pending = ofCall(held).find((e) => e.status === "pending");
      if (pending) return { escalation: { ...pending }, created: false };
      const escalation: Escalation = {
        id: options.id,
        tenant_id: held.tenant_id,
        agent_id: held.agent_id,
        tool: held.tool,
        args_hash: held.args_hash,
        invocation_id: held.invocation_id,
        status: "pending",
        reason_code: held.decision.reason_code,
        message: held.decision.message,
        policy_ids: held.decision.policy_ids,
        policy_count: held.decision.policy_count,
        approvers: held.approvers,
        requested_for: held.requested_for,
        snapshot: held.decision.snapshot,
        created_at: options.now.toISOString(),
        expires_at: new Date(options.now.getTime() + options.timing.ttl_seconds * 1000).toISOString(),
        decided_by: null,
        decided_at: null,
        executed_at: null,
        executed_invocation_id: null,
      };
      world.escalations.push(escalation);
      return { escalation: { ...escalation }, created: true };
    },
    async releaseApproval(escalation_id, invocation_id) {
      up();
      const claimed = world.escalations.find(
        (e) => e.id === escalation_id && e.status === "executed" && e.executed_invocation_id === invocation_id,
      );
      if (!claimed) return;
      Object.assign(claimed, { status: "approved", executed_at: null, executed_invocation_id: null });
      world.released.push(`${escalation_id} by ${invocation_id}`);
    },
    async escalationOfAgent(caller, escalation_id) {
      up();
      const found = world.escalations.find(
        (e) => e.id === escalation_id && e.tenant_id === caller.tenant_id && e.agent_id === caller.agent_id,
      );
      return found ? { ...found } : null;
    },
  };
}
