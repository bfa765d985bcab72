export { createNotionEmulator, NOTION_VERSION, type NotionEmulator, type NotionEmulatorOptions } from "./emulator";
export { createMemoryStore, type EmulatorStore } from "./store";
export { emptyState, type EmulatorState } from "./state";
export { DEFAULT_WORKSPACE, SAMPLE_PEOPLE, type PersonConfig, type WorkspaceConfig } from "./identity";
export { ROOT_PAGE_ID } from "./seed";
export { signWebhook, type WebhookDelivery, type WebhookEvent } from "./webhooks";
export type { RateLimitCounters } from "./rate-limit";
