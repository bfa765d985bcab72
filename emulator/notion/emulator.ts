import type { HandlerContext } from "./context";
import { errorResponse, NotionApiError, asRecord } from "./errors";
import { QUERY_ROW_CAP } from "./handlers/data-sources";
import { DEFAULT_WORKSPACE, Directory, SAMPLE_PEOPLE, type PersonConfig, type WorkspaceConfig } from "./identity";
import { newId } from "./ids";
import { RateLimiter, type RateLimitCounters } from "./rate-limit";
import { matchRoute } from "./router";
import { ROUTES } from "./routes";
import { ROOT_PAGE_ID, seededState } from "./seed";
import type { EmulatorState } from "./state";
import { createMemoryStore, type EmulatorStore } from "./store";
import { signedDelivery, type WebhookChange, type WebhookDelivery, type WebhookEvent } from "./webhooks";

/** The only Notion-Version the emulator speaks. */
export const NOTION_VERSION = "2025-09-03";

/** How to build an emulator; every field has a default. */
export interface NotionEmulatorOptions {
  /** Where state lives (default: in memory). A fresh store is seeded with the root page. */
  store?: EmulatorStore;
  /** The clock for timestamps and rate limiting. */
  now?: () => Date;
  /** Requests per second per integration token (default 3); `false` serves everything. Person tokens are never limited. */
  rateLimit?: { perSecond: number } | false;
  /** The URL the emulator is reached at; its path, if any, is stripped before routing (default https://api.notion.com). */
  baseUrl?: string;
  /** The people of the workspace (default: manager, ops, requester). */
  people?: readonly PersonConfig[];
  /** Workspace, integration and bot ids, and the accepted integration tokens (default `secret_emulator`). */
  workspace?: Partial<WorkspaceConfig>;
  /** Receives every webhook event, signed; not awaited by the request that caused it. */
  onWebhook?: (delivery: WebhookDelivery) => void | Promise<void>;
  /** The verification token webhook signatures use (default `secret_emulator_webhook`). */
  webhookVerificationToken?: string;
  /** Rows one data source query returns at most (default Notion's 10,000); tests lower it. */
  queryRowCap?: number;
}

/** A running emulator. */
export interface NotionEmulator {
  /** Answers one Notion API request as Notion would. */
  handle(request: Request): Promise<Response>;
  /** The live state (loaded from the store on first use). */
  state(): Promise<EmulatorState>;
  /** What the rate limiter served and refused, per second. */
  readonly rateLimit: RateLimitCounters;
  /** Every webhook event emitted so far, oldest first. */
  readonly webhookEvents: readonly WebhookEvent[];
  /** Deliveries that threw, with the event they carried. */
  readonly webhookFailures: ReadonlyArray<{ event: WebhookEvent; error: unknown }>;
  /** Resolves when every delivery started so far has finished. */
  webhooksSettled(): Promise<void>;
  /** The workspace's users and tokens. */
  readonly directory: Directory;
  /** The page a fresh emulator shares with the integration. */
  readonly rootPageId: string;
  /** The token webhook signatures are made with. */
  readonly webhookVerificationToken: string;
}

/** Creates a Notion API emulator that runs anywhere `Request`, `Response` and WebCrypto exist. */
export function createNotionEmulator(options: NotionEmulatorOptions = {}): NotionEmulator {
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? (() => new Date());
  const directory = new Directory({ ...DEFAULT_WORKSPACE, ...options.workspace }, options.people ?? SAMPLE_PEOPLE);
  const limiter = new RateLimiter(options.rateLimit === false ? Infinity : (options.rateLimit?.perSecond ?? 3));
  const basePath = new URL(options.baseUrl ?? "https://api.notion.com").pathname.replace(/\/$/, "");
  const verificationToken = options.webhookVerificationToken ?? "secret_emulator_webhook";
  const queryRowCap = options.queryRowCap ?? QUERY_ROW_CAP;
  const subscriptionId = newId();
  const events: WebhookEvent[] = [];
  const failures: Array<{ event: WebhookEvent; error: unknown }> = [];
  const deliveries = new Set<Promise<void>>();
  let loading: Promise<EmulatorState> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let signing: Promise<unknown> = Promise.resolve();

  const state = () =>
    (loading ??= store.load().then(async (saved) => {
      if (saved) return saved;
      const fresh = seededState(now(), directory.people[0]?.id ?? directory.workspace.botId);
      await store.save(fresh);
      return fresh;
    }));

  /** Runs one change at a time so every save sees a consistent state, in order. */
  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  }

  function deliver(event: WebhookEvent): void {
    events.push(event);
    const onWebhook = options.onWebhook;
    if (!onWebhook) return;
    // Signing is asynchronous: chain it so onWebhook sees events in the order they happened.
    const ready = signing.then(() => signedDelivery(event, verificationToken));
    signing = ready.catch(() => undefined);
    const delivery = ready
      .then((signed) => onWebhook(signed))
      .catch((error: unknown) => void failures.push({ event, error }))
      .finally(() => deliveries.delete(delivery));
    deliveries.add(delivery);
  }

  async function handle(request: Request): Promise<Response> {
    const requestId = newId();
    try {
      const actor = directory.authenticate(request.headers.get("authorization"));
      const version = request.headers.get("notion-version");
      if (version !== NOTION_VERSION) {
        throw new NotionApiError(
          400,
          "missing_version",
          `Notion-Version header failed validation: Notion-Version header should be \`${NOTION_VERSION}\`, instead was \`${String(version ?? undefined)}\`.`,
        );
      }
      if (actor.type === "bot") limiter.admit(actor.token, now().getTime());
      const url = new URL(request.url);
      const path = basePath && url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname;
      const route = matchRoute(ROUTES, request.method, path);
      if (!route) throw new NotionApiError(400, "invalid_request_url", "Invalid request URL.");
      const body = await readBody(request);
      const result = await serialized(async () => {
        const current = await state();
        const changes: WebhookChange[] = [];
        let touched = false;
        const at = now();
        const ctx: HandlerContext = {
          state: current,
          directory,
          actor: { type: actor.type, id: actor.id },
          now: at,
          params: route.params,
          query: url.searchParams,
          body,
          queryRowCap,
          touch: () => void (touched = true),
          emit: (change) => void changes.push(change),
        };
        const value = await route.handler(ctx);
        if (touched) await store.save(current);
        for (const change of changes) {
          deliver({
            id: newId(),
            timestamp: at.toISOString(),
            workspace_id: directory.workspace.workspaceId,
            workspace_name: directory.workspace.workspaceName,
            subscription_id: subscriptionId,
            integration_id: directory.workspace.integrationId,
            authors: [{ id: actor.id, type: actor.type }],
            attempt_number: 1,
            api_version: NOTION_VERSION,
            ...change,
          } as WebhookEvent);
        }
        return value;
      });
      return new Response(JSON.stringify(result), {
        status: 200,
        headers: { "content-type": "application/json", "x-request-id": requestId },
      });
    } catch (error) {
      if (error instanceof NotionApiError) return errorResponse(error, requestId);
      console.error("notion emulator: unexpected error", error);
      return errorResponse(
        new NotionApiError(500, "internal_server_error", "Unexpected error in the Notion emulator."),
        requestId,
      );
    }
  }

  return {
    handle,
    state,
    get rateLimit() {
      return limiter.counters;
    },
    webhookEvents: events,
    webhookFailures: failures,
    webhooksSettled: async () => {
      while (deliveries.size > 0) await Promise.allSettled([...deliveries]);
    },
    directory,
    rootPageId: ROOT_PAGE_ID,
    webhookVerificationToken: verificationToken,
  };
}

async function readBody(request: Request): Promise<Record<string, unknown>> {
  if (request.method === "GET" || request.method === "DELETE") return {};
  const text = await request.text();
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new NotionApiError(400, "invalid_json", "Error parsing JSON body.");
  }
  const record = asRecord(parsed);
  if (!record) throw new NotionApiError(400, "invalid_json", "The request body should be a JSON object.");
  return record;
}
