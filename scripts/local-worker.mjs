// Starts the Worker locally under `wrangler dev` (local D1 and Durable Objects), after applying D1 migrations.
// Used by `npm start` and by the benchmarks, so both run exactly what a user runs.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { resendDroppedDevRequests } from "./dev-proxy-retry.mjs";
import { localLedgerKey } from "./ledger-key.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/** Documented local defaults (refused by the Worker outside local dev). */
export const LOCAL_DEFAULTS = { adminToken: "local-admin-token", demoAgentKey: "pos_demo_local_agent_key" };

/**
 * The admin token and demo agent key a local Worker is given: the shell's ADMIN_TOKEN and DEMO_AGENT_KEY when set
 * (an empty value counts as unset), else the documented defaults.
 */
export function localCredentials(env = process.env) {
  return {
    adminToken: env.ADMIN_TOKEN || LOCAL_DEFAULTS.adminToken,
    demoAgentKey: env.DEMO_AGENT_KEY || LOCAL_DEFAULTS.demoAgentKey,
  };
}

/** The port the environment variable `name` sets, or `fallback` when it is unset or empty; throws on any other value. */
export function portFromEnv(name, fallback, env = process.env) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port number from 1 to 65535, not "${raw.slice(0, 40)}"`);
  return port;
}

/**
 * Why a child process failed, in one message: what it was doing, how it ended (exit code, signal or spawn error)
 * and the last lines of its stderr, so the reason is on screen even when its output was not shown as it ran.
 * @param {string} what
 * @param {{ code?: number | null, signal?: string | null, error?: Error, stderr?: string }} ending
 */
export function childFailure(what, { code, signal, error, stderr = "" }) {
  const how = error
    ? `could not run: ${error.message}`
    : signal
      ? `was stopped by ${signal}`
      : `exited with code ${code ?? "unknown"}`;
  const tail = stderr.trim().split("\n").slice(-20).join("\n");
  return `${what} ${how}${tail ? `:\n${tail}` : " and wrote nothing to stderr"}`;
}

/**
 * Applies migrations, starts `wrangler dev`, waits until it answers, and returns its URL, a stop function and the
 * admin token and demo agent key it was given: `vars.ADMIN_TOKEN` and `vars.DEMO_AGENT_KEY`, else localCredentials().
 * Both are always passed explicitly, so a `.dev.vars` file cannot give the Worker a token its callers do not know.
 * The ledger's checkpoint key is `vars.LEDGER_SIGNING_KEY`, else the shell's, else a local one kept with the state.
 * @param {{ port?: number, persistTo?: string, vars?: Record<string, string>, quiet?: boolean, onLog?: (line: string) => void }} options
 */
export async function startLocalWorker(options = {}) {
  // This process's requests to the Worker (the MCP SDK client's included) pass wrangler dev's proxy.
  resendDroppedDevRequests();
  const port = options.port ?? 8787;
  const persist = options.persistTo ? ["--persist-to", options.persistTo] : [];
  const log = options.onLog ?? (() => {});
  // Offline by design: no metrics, no update check, no fetch of the `Request.cf` placeholder from Cloudflare.
  const env = {
    ...process.env,
    CI: "1",
    WRANGLER_SEND_METRICS: "false",
    NO_UPDATE_NOTIFIER: "1",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  };

  log("applying D1 migrations to the local database…");
  const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", ...persist], {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (migrate.status !== 0) throw new Error(`applying migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const defaults = localCredentials();
  const adminToken = options.vars?.ADMIN_TOKEN || defaults.adminToken;
  const demoAgentKey = options.vars?.DEMO_AGENT_KEY || defaults.demoAgentKey;
  // The checkpoint key lives beside the local ledger (wrangler's default state folder unless persistTo names one).
  const ledgerKey =
    options.vars?.LEDGER_SIGNING_KEY ||
    process.env.LEDGER_SIGNING_KEY ||
    localLedgerKey(options.persistTo ?? join(root, ".wrangler", "state"));
  const given = {
    ...options.vars,
    ADMIN_TOKEN: adminToken,
    DEMO_AGENT_KEY: demoAgentKey,
    LEDGER_SIGNING_KEY: ledgerKey,
  };
  const vars = Object.entries(given).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const url = `http://127.0.0.1:${port}`;
  // Scripts' workers (any port but npm start's 8787) take their own inspector port instead of wrangler's default 9229:
  // workers started at the same moment (CI's lanes) would race for that one.
  const inspector = port === 8787 ? [] : ["--inspector-port", String(port + 1000)];
  const args = [
    wrangler,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    ...inspector,
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    "--log-level",
    options.quiet ? "error" : "info",
    ...persist,
    ...vars,
  ];
  /** Starts wrangler dev and waits for /health; `exitedEarly` when it exited before answering. */
  const launch = async () => {
    log(`starting wrangler dev on port ${port}…`);
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ["ignore", options.quiet ? "ignore" : "inherit", options.quiet ? "pipe" : "inherit"],
    });
    // Quiet runs keep wrangler's stderr to explain a failed start, and drop the noise of being stopped.
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr = (stderr + chunk).slice(-8000)));
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 250))]);
      if (early !== undefined)
        return { exitedEarly: `wrangler dev exited with code ${early} before it was ready\n${stderr}` };
      try {
        if ((await fetch(`${url}/health`)).ok) return { child, exited };
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        throw new Error(`wrangler dev did not answer within 90 s\n${stderr}`);
      }
    }
  };
  let started = await launch();
  if (started.exitedEarly) {
    // Seen once in CI with four workers starting at once ("The Workers runtime failed to start", nothing more said):
    // one more start, and the first failure is shown either way.
    console.error(`${started.exitedEarly}\ntrying once more…`);
    started = await launch();
    if (started.exitedEarly) throw new Error(started.exitedEarly);
  }
  const { child, exited } = started;
  return {
    url,
    adminToken,
    demoAgentKey,
    child,
    exited,
    stop: async () => {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
