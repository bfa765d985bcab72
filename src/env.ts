/**
 * The Worker's bindings, vars and secrets, as `npm run types` generates them into src/worker-configuration.d.ts from
 * wrangler.toml and .dev.vars.example; a name missing there is a type error here. The secrets and optional settings
 * of .dev.vars.example are typed as strings but stay undefined until configured: read them as possibly absent.
 */
export type Env = Cloudflare.Env;

/** The Worker's secrets read by a name an admin chose (an upstream host's auth secret, a Notion token). */
export type Secrets = Readonly<Record<string, unknown>>;

/** The Worker's environment as {@link Secrets}: the one way code reads a binding whose name is data, not code. */
export function secretsOf(env: Env): Secrets {
  // Env names what wrangler.toml declares; a secret an admin names at runtime is another property of the same object.
  return env as unknown as Secrets;
}

/** Documented local defaults. They are refused whenever ENVIRONMENT is not "local". */
export const LOCAL_DEFAULTS = {
  adminToken: "local-admin-token",
  demoAgentKey: "pos_demo_local_agent_key",
  demoTenantId: "demo",
  runSigningKey: "local-run-signing-key",
} as const;

/** Whether this Worker runs under local dev (`npm start`, tests). */
export function isLocal(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "local";
}

/**
 * The key run ids are signed with: the RUN_SIGNING_KEY secret, else under local dev the documented local default;
 * null when neither (no run can be minted and every run id is refused).
 */
export function runSigningKey(env: Pick<Env, "ENVIRONMENT" | "RUN_SIGNING_KEY">): string | null {
  return env.RUN_SIGNING_KEY || (isLocal(env) ? LOCAL_DEFAULTS.runSigningKey : null);
}
