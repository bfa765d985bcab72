/** The hosts layer's public surface: the registry, argument validation, demo hosts and the host contract. */
export type { Host, HostCallContext, HostCallResult, JsonSchemaObject, ToolDescriptor } from "./host";
export type { HostConfig, UpstreamHostInput } from "./host-config";
export {
  createHostRegistry,
  DEFAULT_CATALOG_TTL_MS,
  type HostRegistry,
  type HostRegistryDeps,
  type HostStatus,
  type RegisterHostError,
  type RegisterHostResult,
  type ResolvedTool,
} from "./registry";
export { hostRegistryFor } from "./registry-for-env";
export { validateArguments, type ArgumentError, type ArgumentValidation } from "./validate-arguments";
export { enableDemoHosts } from "./demo/enable-demo-hosts";
export { DEMO_HOST_IDS, isDemoHostId } from "./demo/demo-ids";
export { INVOCATION_META_KEY } from "./upstream-mcp";
export { checkUpstreamUrl, type UpstreamAddressPolicy } from "./upstream-address";
export type { CircuitSettings } from "./host";
export { CircuitSettingsSchema } from "./host-config";
export { DEFAULT_CIRCUIT, type CircuitState, type HealthFigures } from "./health/circuit";
export type { CircuitView, CircuitViews, HostHealthDO } from "./health/host-health.do";
export { hostHealthFor, type HostHealthBoard } from "./health/host-health";
export { safeSchema } from "./safe-schema";
export {
  upstreamFeatures,
  type Asked,
  type UpstreamFeatureDeps,
  type UpstreamFeatures,
} from "./upstream/upstream-features";
export type { UpstreamConnection } from "./upstream/upstream-connection";
export { allPages } from "./upstream/all-pages";
export { federatedContent, federatedUri, HOST_URI_PREFIX, upstreamUriOf } from "./upstream/federated-uri";
