// Starts the Worker locally under `wrangler dev` (local D1 and Durable Objects), after applying D1 migrations.
// Used by `npm start` and by the benchmarks, so both run exactly what a user runs.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

/** Documented local defaults (refused by the Worker outside local dev). */
export const LOCAL_DEFAULTS = { adminToken: "local-admin-token", demoAgentKey: "pos_demo_local_agent_key" };

/**
 * Applies migrations, starts `wrangler dev`, waits until it answers, and returns its URL and a stop function.
 * @param {{ port?: number, persistTo?: string, vars?: Record<string, string>, quiet?: boolean, onLog?: (line: string) => void }} options
 */
export async function startLocalWorker(options = {}) {
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

  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  log(`starting wrangler dev on port ${port}…`);
  const child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--show-interactive-dev-session=false",
      "--test-scheduled",
      "--log-level",
      options.quiet ? "error" : "info",
      ...persist,
      ...vars,
    ],
    { cwd: root, env, stdio: ["ignore", options.quiet ? "ignore" : "inherit", options.quiet ? "pipe" : "inherit"] },
  );
  // Quiet runs keep wrangler's stderr to explain a failed start, and drop the noise of being stopped.
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr = (stderr + chunk).slice(-8000)));
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 250))]);
    if (early !== undefined) throw new Error(`wrangler dev exited with code ${early} before it was ready\n${stderr}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`wrangler dev did not answer within 90 s\n${stderr}`);
    }
  }
  return {
    url,
    child,
    exited,
    stop: async () => {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
