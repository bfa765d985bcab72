import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createNotionEmulator, type NotionEmulator, type NotionEmulatorOptions } from "../notion";
import { createWorkspace } from "../workspace/workspace";
import { createJsonFileStore } from "./file-store";
import { createWebhookSender } from "./webhook-sender";

/** Where the server listens and keeps its data. */
export interface EmulatorServerOptions extends Omit<NotionEmulatorOptions, "store" | "baseUrl"> {
  host?: string;
  port?: number;
  /** The JSON file holding the state (default `.notion-emulator/state.json`). */
  file?: string;
  /** Where to POST every signed webhook delivery, in order, with retries (default: nowhere). */
  webhookUrl?: string;
}

/**
 * Starts the emulator behind a Node http server (default http://127.0.0.1:8788): the Notion API under /v1/, the web
 * workspace everywhere else. Rejects if it cannot listen.
 */
export async function startEmulatorServer(
  options: EmulatorServerOptions = {},
): Promise<{ server: Server; emulator: NotionEmulator; url: string; close(): Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8788;
  const url = `http://${host}:${port}`;
  const send = options.webhookUrl ? createWebhookSender({ url: options.webhookUrl }) : undefined;
  const { onWebhook } = options;
  const emulator = createNotionEmulator({
    ...options,
    onWebhook: send ? (d) => Promise.all([onWebhook?.(d), send(d)]).then(() => undefined) : onWebhook,
    baseUrl: url,
    store: createJsonFileStore(options.file ?? ".notion-emulator/state.json"),
  });
  const workspace = createWorkspace(emulator);
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      // A client that went away mid-request must not take the server down with it.
      console.error("notion emulator: request failed", error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD" && chunks.length > 0;
    // The Notion API lives under /v1/; everything else is the web workspace a person clicks through.
    const target = (req.url ?? "/").startsWith("/v1/") ? emulator : workspace;
    const response = await target.handle(
      new Request(new URL(req.url ?? "/", url), {
        method: req.method,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(await response.text());
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return { server, emulator, url, close };
}
