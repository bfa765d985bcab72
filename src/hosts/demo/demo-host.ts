import { z } from "zod";
import type { Host, HostCallResult, JsonSchemaObject, ToolDescriptor } from "../host";
import type { DemoHostDefinition } from "./demo-tool";

/** The version every demo tool reports. */
export const DEMO_TOOL_VERSION = "1.0.0";

const descriptorCache = new WeakMap<DemoHostDefinition, ToolDescriptor[]>();

/** The tool descriptors of a demo host (static, computed once per isolate). */
export function demoDescriptors(definition: DemoHostDefinition): ToolDescriptor[] {
  const cached = descriptorCache.get(definition);
  if (cached) return cached;
  const descriptors = definition.tools.map((tool): ToolDescriptor => ({
    name: `${definition.id}.${tool.name}`,
    host: definition.id,
    tool: tool.name,
    title: tool.title,
    description: `[demo host] ${tool.description}`,
    input_schema: z.toJSONSchema(tool.args, { io: "input", target: "draft-2020-12" }) as JsonSchemaObject,
    annotations: { title: tool.title, ...tool.annotations },
    version: DEMO_TOOL_VERSION,
    demo: true,
  }));
  descriptorCache.set(definition, descriptors);
  return descriptors;
}

/** The audit reference of a demo host, `demo:<ns>`. */
export function demoHostRef(id: string): string {
  return `demo:${id}`;
}

/** A `Host` running a demo host's tools against the tenant's demo state in D1. */
export function createDemoHost(definition: DemoHostDefinition, db: D1Database, tenant_id: string): Host {
  const host_ref = demoHostRef(definition.id);
  return {
    id: definition.id,
    kind: "demo",
    label: definition.label,
    listTools: async () => demoDescriptors(definition),
    async call(name, args, ctx): Promise<HostCallResult> {
      if (ctx.tenant_id !== tenant_id) return rejected(host_ref, "this host belongs to another tenant");
      const tool = definition.tools.find((t) => t.name === name);
      if (!tool) return rejected(host_ref, `${definition.label} has no tool named ${name}`);
      const parsed = tool.args.safeParse(args);
      if (!parsed.success) return rejected(host_ref, `invalid arguments: ${z.prettifyError(parsed.error)}`);
      if (ctx.signal.aborted)
        return {
          ok: false,
          error: { code: "host_unavailable", message: "the call was aborted before it ran", retryable: true },
          host_ref,
        };
      const result = await tool.run(parsed.data, { db, tenant_id, invocation_id: ctx.invocation_id });
      return result.ok
        ? { ok: true, data: result.data, host_ref }
        : { ok: false, error: { code: "host_error", message: result.message, retryable: false }, host_ref };
    },
  };
}

function rejected(host_ref: string, message: string): HostCallResult {
  return { ok: false, error: { code: "host_rejected", message, retryable: false }, host_ref };
}
