import type {
  BlockObjectResponse,
  CommentObjectResponse,
  DatabaseObjectResponse,
  DataSourceObjectResponse,
  PageObjectResponse,
} from "@notionhq/client";

/** Everything the emulator knows, as plain JSON so any store can keep it. */
export interface EmulatorState {
  version: 1;
  /** Next creation sequence number; orders rows created within the same minute. */
  seq: number;
  databases: Record<string, DatabaseObjectResponse>;
  dataSources: Record<string, DataSourceObjectResponse>;
  /** Pages as Notion returns them, minus computed properties, with their creation sequence. */
  pages: Record<string, { page: PageObjectResponse; seq: number }>;
  blocks: Record<string, BlockObjectResponse>;
  /** Child block ids of a page or block, in order. */
  children: Record<string, string[]>;
  comments: Record<string, CommentObjectResponse>;
}

/** A state with nothing in it. */
export function emptyState(): EmulatorState {
  return { version: 1, seq: 0, databases: {}, dataSources: {}, pages: {}, blocks: {}, children: {}, comments: {} };
}
