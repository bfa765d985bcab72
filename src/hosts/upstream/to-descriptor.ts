import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { JsonSchemaObject, ToolDescriptor } from "../host";
import type { ToolAnnotations } from "../../policy/types";

/** Tool versions: a tool's own `_meta` wins over its server's version. */
export const DEFAULT_TOOL_VERSION = "1.0.0";

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const HINTS = ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const;

/** An upstream tool as a federated `ns.tool` descriptor; null for a tool whose name cannot be federated. */
export function toDescriptor(namespace: string, tool: Tool, serverVersion: string | undefined): ToolDescriptor | null {
  if (!TOOL_NAME.test(tool.name)) return null;
  const annotations: ToolAnnotations = {};
  const title = tool.title ?? tool.annotations?.title;
  if (typeof tool.annotations?.title === "string") annotations.title = tool.annotations.title;
  for (const hint of HINTS) {
    const value = tool.annotations?.[hint];
    if (typeof value === "boolean") annotations[hint] = value;
  }
  return {
    name: `${namespace}.${tool.name}`,
    host: namespace,
    tool: tool.name,
    title: typeof title === "string" ? title : null,
    description: tool.description ?? "",
    input_schema: tool.inputSchema as JsonSchemaObject,
    ...(tool.outputSchema ? { output_schema: tool.outputSchema as JsonSchemaObject } : {}),
    annotations,
    version: metaVersion(tool._meta) ?? serverVersion ?? DEFAULT_TOOL_VERSION,
    demo: false,
  };
}

function metaVersion(meta: Record<string, unknown> | undefined): string | undefined {
  const value = meta?.["policy-os/version"] ?? meta?.["version"];
  return typeof value === "string" && value.length > 0 && value.length <= 64 ? value : undefined;
}
