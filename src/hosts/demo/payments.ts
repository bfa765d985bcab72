import { z } from "zod";
import type { JsonValue } from "../../ledger/canonical";
import { demoTool, toolData, toolError, type DemoHostDefinition, type DemoToolContext } from "./demo-tool";

const CustomerId = z.string().min(1).max(64).describe("The customer's id, e.g. cus_001");

interface CustomerBalance {
  id: string;
  name: string;
  email: string;
  refundable_cents: number;
  refunded_cents: number;
}

async function customerBalance(ctx: DemoToolContext, customer_id: string): Promise<CustomerBalance | null> {
  return ctx.db
    .prepare(
      `SELECT c.id, c.name, c.email, c.refundable_cents,
         (SELECT COALESCE(SUM(r.amount_cents), 0) FROM demo_refunds r WHERE r.tenant_id = c.tenant_id AND r.customer_id = c.id) AS refunded_cents
       FROM demo_customers c WHERE c.tenant_id = ? AND c.id = ?`,
    )
    .bind(ctx.tenant_id, customer_id)
    .first<CustomerBalance>();
}

function customerView(c: CustomerBalance): JsonValue {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    refundable_cents: c.refundable_cents,
    refunded_cents: c.refunded_cents,
    remaining_refundable_cents: c.refundable_cents - c.refunded_cents,
  };
}

const lookupCustomer = demoTool({
  name: "lookup_customer",
  title: "Look up customer",
  description: "Read a customer's profile and how much can still be refunded to them.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({ customer_id: CustomerId }),
  async run({ customer_id }, ctx) {
    const customer = await customerBalance(ctx, customer_id);
    return customer ? toolData(customerView(customer)) : toolError(`No customer with id ${customer_id}.`);
  },
});

const createRefund = demoTool({
  name: "create_refund",
  title: "Create refund",
  description:
    "Refund part of a customer's payments. A refund never exceeds the customer's remaining refundable balance.",
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  args: z.strictObject({
    customer_id: CustomerId,
    amount_cents: z.number().int().positive().max(100_000_000).describe("The amount to refund, in cents (> 0)"),
    reason: z.string().min(1).max(500).describe("Why the refund is made, shown on the customer's statement"),
  }),
  async run({ customer_id, amount_cents, reason }, ctx) {
    const customer = await customerBalance(ctx, customer_id);
    if (!customer) return toolError(`No customer with id ${customer_id}.`);
    const remaining = customer.refundable_cents - customer.refunded_cents;
    if (amount_cents > remaining) {
      return toolError(
        `A refund of ${amount_cents} cents exceeds ${customer.name}'s remaining refundable balance of ${remaining} cents.`,
      );
    }
    // The balance check is repeated inside the insert, so two concurrent refunds cannot both pass it.
    const refund = await ctx.db
      .prepare(
        `INSERT INTO demo_refunds (tenant_id, id, customer_id, amount_cents, reason, invocation_id)
         SELECT ?1, 'ref_' || printf('%04d', (SELECT COUNT(*) + 1 FROM demo_refunds WHERE tenant_id = ?1)), ?2, ?3, ?4, ?5
         WHERE (SELECT c.refundable_cents - COALESCE((SELECT SUM(r.amount_cents) FROM demo_refunds r
                  WHERE r.tenant_id = ?1 AND r.customer_id = ?2), 0)
                FROM demo_customers c WHERE c.tenant_id = ?1 AND c.id = ?2) >= ?3
         RETURNING id, customer_id, amount_cents, reason, invocation_id`,
      )
      .bind(ctx.tenant_id, customer_id, amount_cents, reason, ctx.invocation_id)
      .first<{ id: string; customer_id: string; amount_cents: number; reason: string; invocation_id: string }>();
    if (!refund)
      return toolError(`A refund of ${amount_cents} cents exceeds ${customer.name}'s remaining refundable balance.`);
    return toolData({
      refund: { ...refund, status: "succeeded" },
      remaining_refundable_cents: remaining - amount_cents,
    });
  },
});

const listRefunds = demoTool({
  name: "list_refunds",
  title: "List refunds",
  description: "List refunds made so far, oldest first, optionally for one customer.",
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  args: z.strictObject({ customer_id: CustomerId.optional() }),
  async run({ customer_id }, ctx) {
    const { results } = await ctx.db
      .prepare(
        `SELECT id, customer_id, amount_cents, reason, invocation_id FROM demo_refunds
         WHERE tenant_id = ?1 AND (?2 IS NULL OR customer_id = ?2) ORDER BY id`,
      )
      .bind(ctx.tenant_id, customer_id ?? null)
      .all<{ id: string; customer_id: string; amount_cents: number; reason: string; invocation_id: string }>();
    return toolData({ refunds: results, total_cents: results.reduce((sum, r) => sum + r.amount_cents, 0) });
  },
});

/** Payments (demo host): customers with refundable balances, and refunds against them. */
export const paymentsHost: DemoHostDefinition = {
  id: "payments",
  label: "Payments (demo host)",
  tools: [lookupCustomer, createRefund, listRefunds],
};
