// Runs the local Notion emulator (emulator/node/main.ts) as a child process, the way `npm start` and the smoke test
// use it. Plain JavaScript so that scripts run by `node` alone can import it.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Resolves true when nothing listens on 127.0.0.1:`port`.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts the emulator and waits until it listens. What it logs after that goes to `onLine` (its startup banner does
 * not: callers print their own). Rejects with the emulator's own words if it cannot start (a taken port included).
 * @param {{ port: number, file: string, webhookUrl?: string, onLine?: (line: string) => void }} options
 * @returns {Promise<{ url: string, rootPageId: string, child: import("node:child_process").ChildProcess, exited: Promise<number>, stop(): Promise<void> }>}
 */
export async function startEmulatorProcess(options) {
  if (!(await portIsFree(options.port))) throw new Error(`port ${options.port} is already in use`);
  const child = spawn(process.execPath, ["--import", "tsx", "emulator/node/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(options.port),
      NOTION_EMULATOR_FILE: options.file,
      NOTION_EMULATOR_WEBHOOK_URL: options.webhookUrl ?? "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  let ready = false;
  let early = "";
  const forward = (line) => (ready ? options.onLine?.(line) : (early = `${early}${line}\n`.slice(-4000)));
  createInterface({ input: child.stderr }).on("line", forward);
  // Its stdout is the startup banner, printed once it listens; it names the root page (emulator/notion/seed.ts).
  // What it reports later (undelivered webhooks, errors) goes to stderr.
  let rootPageId = "";
  const listening = new Promise((resolve) =>
    createInterface({ input: child.stdout }).on("line", (line) => {
      const root = /^\s*root page\s+(\S+)/.exec(line)?.[1];
      if (!root || ready) return;
      rootPageId = root;
      ready = true;
      resolve(true);
    }),
  );
  const outcome = await Promise.race([
    listening,
    exited.then((code) => `exited with code ${code}`),
    new Promise((resolve) => setTimeout(() => resolve("did not start within 30 s"), 30_000).unref()),
  ]);
  if (outcome !== true) {
    child.kill("SIGTERM");
    throw new Error(`the Notion emulator ${outcome}\n${early.trim()}`);
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    rootPageId,
    child,
    exited,
    stop: async () => {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
