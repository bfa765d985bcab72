import { z } from "zod";
import { DEMO_HOST_IDS } from "./demo/demo-ids";

/** Namespaces the registry refuses for upstream hosts: the demo hosts' and the governance layer's own. */
export const RESERVED_NAMESPACES: readonly string[] = [...DEMO_HOST_IDS, "governance"];

/** A namespace: lower-case, starts with a letter, at most 32 characters; it never contains the `.` separator. */
export const NamespaceSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, "must start with a letter and use only a-z, 0-9 and _ (at most 32 characters)");

/** A host's circuit-breaker settings as an admin sets them (docs/hosts.md, "Host health"); unset: the default. */
export const CircuitSettingsSchema = z
  .object({
    window_calls: z.number().int().min(1).max(1_000).optional(),
    window_ms: z.number().int().min(1_000).max(3_600_000).optional(),
    min_failures: z.number().int().min(1).max(1_000).optional(),
    failure_rate: z.number().gt(0).max(1).optional(),
    cooldown_ms: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict();

/** The stored `circuit` column: JSON settings, or null for the defaults. A value that does not parse means the defaults. */
const StoredCircuitSchema = z
  .preprocess((text) => (typeof text === "string" ? JSON.parse(text) : null), CircuitSettingsSchema.nullable())
  .catch(null);

/** A stored `hosts` row, parsed at the D1 boundary. */
export const HostConfigSchema = z.object({
  tenant_id: z.string(),
  id: NamespaceSchema,
  kind: z.enum(["demo", "mcp"]),
  label: z.string(),
  url: z.string().nullable(),
  auth_secret: z.string().nullable(),
  auth_header: z.string(),
  timeout_ms: z.number().int().positive(),
  circuit: StoredCircuitSchema.optional(),
  created_at: z.string(),
});

/** How a tenant reaches one host (a row of `hosts`). `auth_secret` names a Worker secret; it never holds a value. */
export type HostConfig = z.infer<typeof HostConfigSchema>;

/** What an admin supplies to register an upstream MCP host. */
export const UpstreamHostInputSchema = z.object({
  id: NamespaceSchema.refine((id) => !RESERVED_NAMESPACES.includes(id), "is reserved"),
  // Which URLs may be contacted depends on where the Worker runs: checkUpstreamUrl (upstream-address.ts) judges it.
  url: z.string(),
  // Only secrets named <NAME>_AUTH may be sent upstream, so a host can never be pointed at the Worker's own
  // secrets (ADMIN_TOKEN, API keys of Notion or Anthropic, …).
  auth_secret: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,58}_AUTH$/, "must name a Worker secret whose name ends in _AUTH, e.g. TICKETS_AUTH")
    .optional(),
  auth_header: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an HTTP header name")
    .optional(),
  timeout_ms: z.number().int().min(100).max(60_000).optional(),
  label: z.string().min(1).max(100).optional(),
  circuit: CircuitSettingsSchema.optional(),
});

/** The input of `registerUpstreamHost`. */
export type UpstreamHostInput = z.input<typeof UpstreamHostInputSchema>;

/** Default per-call deadline of an upstream host, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;
