import { describe, expect, it } from "vitest";
import template from "../../notion-templates/policies.json";
import { compilePolicies } from "../../src/policy/compile";
import { decide } from "../../src/policy/decide";
import { toolPolicyState } from "../../src/policy/tool-state";
import { DEFAULT_POSTURE } from "../../src/policy/types";
import { ANNOTATIONS, request } from "./helpers";

const demo = async () => (await compilePolicies(template.sample_rows, { posture: DEFAULT_POSTURE })).snapshot;

describe("the Policies template", () => {
  it("has sample rows that all compile with zero rejections", async () => {
    const { snapshot, rejected } = await compilePolicies(template.sample_rows, { posture: DEFAULT_POSTURE });
    expect(rejected).toEqual([]);
    expect(snapshot.policies).toHaveLength(template.sample_rows.length);
  });

  it("describes every column the row schema reads", () => {
    const columns = ["Name", "Policy ID", "Type", "Mode", "Status", "Tools", "Agents", "Scopes", "Users", "Condition"];
    const more = ["Priority", "Approvers", "Tags", "Channels", "Reason code", "Message", "Sync status"];
    const guards = ["Cap", "Unit", "Window", "Per", "Cost", "Detectors", "Pattern", "Deny terms", "Allow terms"];
    expect(Object.keys(template.properties).sort()).toEqual(
      [...columns, ...more, ...guards, "Check results", "Moderation"].sort(),
    );
  });

  it.each([
    ["a $100 refund", 10_000, "authorized", "default_allow", ["refund-alert"]],
    ["a $600 refund", 60_000, "escalated", "refund_over_limit", ["refund-alert"]],
    ["a $6,000 refund", 600_000, "denied", "refund_over_hard_limit", ["refund-alert"]],
  ])("decides %s, alerting finance and tagging SOX", async (_, amount_cents, decision, reason_code, alerts) => {
    const result = decide(await demo(), request({ args: { amount_cents, customer_id: "cus_001" } }));
    expect(result).toMatchObject({ decision, reason_code, alerts, tags: ["SOX"] });
  });

  it("denies contact deletion and shows it as blocked", async () => {
    const snapshot = await demo();
    const call = request({
      tool: "crm.delete_contact",
      annotations: ANNOTATIONS.destructive,
      args: { contact_id: "c1" },
    });
    expect(decide(snapshot, call).reason_code).toBe("contact_deletion_blocked");
    expect(toolPolicyState(snapshot, call.tool, call.agent).summary).toBe("blocked (Agents never delete contacts)");
  });

  it("allows weekend scheduling while the shadow policy says it would have blocked it", async () => {
    const call = request({
      tool: "serviceops.schedule_technician",
      args: { technician_id: "t1", customer_id: "c1", starts_at: "2026-07-11T10:00:00Z", duration_minutes: 60 },
    });
    const result = decide(await demo(), call);
    expect(result).toMatchObject({ decision: "authorized", reason_code: "scheduling_allowed" });
    expect(result.shadow).toEqual([
      {
        policy_id: "business-hours-visits",
        policy_name: "No visits on weekends or outside 08:00-18:00 UTC (trial)",
        would: "block",
        reason_code: "outside_business_hours",
      },
    ]);
  });

  it("shows refunds as restricted by the conditional limits", async () => {
    const { tool, agent } = request();
    expect(toolPolicyState(await demo(), tool, agent).state).toBe("restricted");
  });
});
