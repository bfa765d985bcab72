import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { FeatureAnswer, FeatureContext } from "./features";
import { getPrompt, listPrompts } from "./prompts";
import { listResources, listResourceTemplates, readResource } from "./resources";

/** The capabilities a server that registers {@link registerFeatures} declares. */
export const FEATURE_CAPABILITIES = { resources: { listChanged: false }, prompts: { listChanged: false } } as const;

/** Registers resources/list, resources/templates/list, resources/read, prompts/list and prompts/get on a 1.x server. */
export function registerFeatures(server: Server, ctx: FeatureContext): void {
  server.setRequestHandler(ListResourcesRequestSchema, () => listResources(ctx));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => listResourceTemplates(ctx));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => answered(await readResource(ctx, req.params.uri)));
  server.setRequestHandler(ListPromptsRequestSchema, () => listPrompts(ctx));
  server.setRequestHandler(GetPromptRequestSchema, async (req) =>
    answered(await getPrompt(ctx, req.params.name, req.params.arguments)),
  );
}

/** The result, or the JSON-RPC error the SDK sends for it. */
function answered<T>(answer: FeatureAnswer<T>): T {
  if (answer.ok) return answer.result;
  throw new McpError(answer.error.code, answer.error.message);
}
