import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ToolCallResult } from "../pipeline/call-state";

/**
 * A tools/call answer from the pipeline's result, for either protocol era: `structuredContent` is always the outcome
 * contract. `content` starts with the one governance sentence; then either the host's own content blocks (an upstream
 * tool's text, images, audio, resource links and resources, as the result guards let them through) or, when the
 * host returned none (a demo host, a denied, held or failed call), the outcome as JSON text for clients that read
 * only text.
 */
export function callToolResult({ outcome, sentence, content }: ToolCallResult): CallToolResult {
  return {
    content: [
      { type: "text", text: sentence },
      ...(content ?? [{ type: "text" as const, text: JSON.stringify(outcome) }]),
    ],
    structuredContent: outcome as unknown as Record<string, unknown>,
    isError: !outcome.success,
  };
}
