import type { DatabaseObjectResponse, DataSourceObjectResponse, PageObjectResponse } from "@notionhq/client";
import { notFound } from "./errors";
import { normalizeId } from "./ids";
import type { EmulatorState } from "./state";

/** The stored page with this id (dashed or not), or 404. */
export function pageById(state: EmulatorState, raw: string): { page: PageObjectResponse; seq: number } {
  const id = normalizeId(raw);
  const stored = state.pages[id];
  if (!stored) throw notFound("page", id);
  return stored;
}

/** The data source with this id, or 404. */
export function dataSourceById(state: EmulatorState, raw: string): DataSourceObjectResponse {
  const id = normalizeId(raw);
  const dataSource = state.dataSources[id];
  if (!dataSource) throw notFound("data_source", id);
  return dataSource;
}

/** The database with this id, or 404. */
export function databaseById(state: EmulatorState, raw: string): DatabaseObjectResponse {
  const id = normalizeId(raw);
  const database = state.databases[id];
  if (!database) throw notFound("database", id);
  return database;
}
