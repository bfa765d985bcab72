import { Hono } from "hono";
import { z } from "zod";
import { checkpointSigner, evidenceLines, ledgerFor } from "../ledger";
import type { AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const INSTANT_HINT = "must be an ISO-8601 date or time with a zone, such as 2026-01-31 or 2026-01-31T09:00:00Z";
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/** An ISO-8601 date (midnight UTC) or date-time with a zone, read as the UTC instant it names. */
const instant = z
  .string()
  .refine((value) => isoDateTime.safeParse(value).success || isoDate.safeParse(value).success, INSTANT_HINT)
  .transform((value) => new Date(value).toISOString());

/** `GET /admin/evidence`'s query: the compliance tag, and the window [from, to) of the decisions. */
export const evidenceQuerySchema = z
  .object({
    tag: z
      .string({ error: "name the compliance tag, such as ?tag=SOX" })
      .trim()
      .min(1, "name the compliance tag, such as ?tag=SOX")
      .describe("a policy row's compliance tag, matched exactly"),
    from: instant.optional().describe("the earliest decision time exported (inclusive)"),
    to: instant.optional().describe("the decision time the export stops before (exclusive)"),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ["to"],
    error: "must be later than from",
  });

/**
 * The admin API's compliance evidence: `GET /admin/evidence?tag=…&from=…&to=…` streams, as JSON Lines, the
 * tenant's ledger entries of every invocation whose decision carries the tag, then a summary line with the head.
 */
export function evidenceAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/evidence", validate("query", evidenceQuerySchema), tenantScope(), async (c) => {
    const query = c.req.valid("query");
    const tenant = c.get("tenant");
    // Without a usable signing key the export still runs, without a checkpoint or proofs.
    const signer = await checkpointSigner(c.env.LEDGER_SIGNING_KEY);
    const ledger = ledgerFor(c.env, tenant.id);
    const lines = evidenceLines(
      ledger,
      tenant.id,
      { tag: query.tag, from: query.from ?? null, to: query.to ?? null },
      "problem" in signer ? null : { signer, tree: ledger },
    );
    // Reading the head and the first page before answering turns an unreachable ledger into an error status,
    // not a cut-off file.
    const first = await lines.next();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (!first.done) controller.enqueue(encoder.encode(`${first.value}\n`));
      },
      async pull(controller) {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${next.value}\n`));
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson" });
  });

  return admin;
}
