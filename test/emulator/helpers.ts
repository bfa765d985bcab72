import { Client } from "@notionhq/client";
import { http, type RequestHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { createNotionEmulator, type NotionEmulator, type NotionEmulatorOptions } from "../../emulator/notion";

let current: NotionEmulator | undefined;

/** Routes every api.notion.com request of this test file to the emulator the test made last (and `others` too). */
export function useEmulatorNetwork(...others: RequestHandler[]): void {
  const msw = setupServer(
    http.all("https://api.notion.com/*", ({ request }) => {
      if (!current) throw new Error("no emulator in this test");
      return current.handle(request as unknown as Request);
    }),
    ...others,
  );
  beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
  afterAll(() => msw.close());
}

/** A fresh emulator (rate limit off unless asked) that the network now routes to. */
export function startEmulator(options: NotionEmulatorOptions = {}): NotionEmulator {
  current = createNotionEmulator({ rateLimit: false, ...options });
  return current;
}

/** A real @notionhq/client Client for a token; `retry: false` unless retries are asked for. */
export function notion(
  auth = "secret_emulator",
  retry: false | { maxRetries?: number; maxRetryDelayMs?: number } = false,
): Client {
  return new Client({
    auth,
    retry,
    baseUrl: "https://api.notion.com",
    fetch: (u, i) => globalThis.fetch(u, i),
    logger: () => undefined,
  });
}

/** A rich-text array holding one text object. */
export function text(content: string) {
  return [{ type: "text" as const, text: { content } }];
}

/** Creates the Policies database under the root page and returns its ids. */
export async function createPolicies(client: Client, emulator: NotionEmulator) {
  const database = await client.databases.create({
    parent: { type: "page_id", page_id: emulator.rootPageId },
    title: text("Policies"),
    initial_data_source: {
      properties: {
        Name: { title: {} },
        Notes: { rich_text: {} },
        Mode: { select: { options: [{ name: "allow" }, { name: "deny" }, { name: "approve" }] } },
        Tags: { multi_select: { options: [{ name: "finance" }] } },
        Priority: { number: { format: "number" } },
        Owner: { people: {} },
        Active: { checkbox: {} },
        Link: { url: {} },
        Due: { date: {} },
      },
    },
  });
  const dataSourceId = "data_sources" in database ? database.data_sources[0]?.id : undefined;
  if (!dataSourceId) throw new Error("database without a data source");
  return { databaseId: database.id, dataSourceId };
}
