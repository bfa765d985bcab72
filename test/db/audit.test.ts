import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertAuditRow, listAuditRows } from "../../src/db/audit";
import { auditRow } from "../support/audit-row";

const db = (env as unknown as { DB: D1Database }).DB;

describe("an audit row", () => {
  it("keeps how many policies decided beside the ids it lists, so a cut list reads as cut", async () => {
    const tenant_id = `t_${crypto.randomUUID()}`;
    const policy_ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
    await insertAuditRow(
      db,
      auditRow({
        invocation_id: "inv_cut",
        tenant_id,
        agent_id: "a",
        tool: "pay.refund",
        policy_ids,
        policy_count: 2000,
      }),
    );
    const [row] = await listAuditRows(db, tenant_id, { limit: 10 });
    expect(row).toMatchObject({ policy_ids, policy_count: 2000 });
  });

  it("written before the count was kept reads its whole list's length as the count", async () => {
    const tenant_id = `t_${crypto.randomUUID()}`;
    await insertAuditRow(
      db,
      auditRow({ invocation_id: "inv_old", tenant_id, agent_id: "a", tool: "pay.refund", policy_ids: ["p1", "p2"] }),
    );
    await db.prepare("UPDATE audit_log SET policy_count = NULL WHERE invocation_id = 'inv_old'").run();
    const [row] = await listAuditRows(db, tenant_id, { limit: 10 });
    expect(row).toMatchObject({ policy_ids: ["p1", "p2"], policy_count: 2 });
  });
});
