/**
 * Upstream resources are federated under their host's namespace the way tools are (`<ns>.<tool>`): an upstream URI
 * `<uri>` of host `<ns>` is published as `policy-os://hosts/<ns>/<uri>`, so one gateway can serve many hosts whose
 * URIs collide, and a read names the host it goes to. Templates are federated the same way (the prefix has no
 * template variables, so the upstream's stay as they are).
 */
import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import { NamespaceSchema } from "../host-config";

/** What every federated upstream URI starts with. */
export const HOST_URI_PREFIX = "policy-os://hosts/";

/** The URI an agent sees for host `ns`'s resource `uri`. */
export function federatedUri(ns: string, uri: string): string {
  return `${HOST_URI_PREFIX}${ns}/${uri}`;
}

/** The host and upstream URI a federated URI names, or null when it names none. */
export function upstreamUriOf(uri: string): { host: string; uri: string } | null {
  if (!uri.startsWith(HOST_URI_PREFIX)) return null;
  const rest = uri.slice(HOST_URI_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const host = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  return NamespaceSchema.safeParse(host).success && inner.length > 0 ? { host, uri: inner } : null;
}

/** `blocks` with the URIs of resource links and embedded resources federated under `ns` (so an agent can read them). */
export function federatedContent(ns: string, blocks: readonly ContentBlock[]): ContentBlock[] {
  return blocks.map((block) => {
    if (block.type === "resource_link") return { ...block, uri: federatedUri(ns, block.uri) };
    if (block.type === "resource")
      return { ...block, resource: { ...block.resource, uri: federatedUri(ns, block.resource.uri) } };
    return block;
  });
}
