import type { PartialUserObjectResponse } from "@notionhq/client";
import { minuteIso } from "./clock";
import type { Actor, Directory } from "./identity";
import type { EmulatorState } from "./state";
import type { WebhookChange } from "./webhooks";

/** What a route handler gets: the parsed request, who made it, and the state to read or change. */
export interface HandlerContext {
  state: EmulatorState;
  directory: Directory;
  actor: Actor;
  now: Date;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** How many rows one data source query returns at most before it reports itself incomplete. */
  queryRowCap: number;
  /** Marks the state changed, so it is saved before the response. */
  touch(): void;
  /** Queues a webhook event, sent after the state is saved. */
  emit(change: WebhookChange): void;
}

/** A route handler; it validates everything before it changes anything. */
export type Handler = (ctx: HandlerContext) => unknown;

/** The audit fields a create or update sets: the minute-rounded time and the acting user. */
export function stampOf(ctx: HandlerContext): { time: string; user: PartialUserObjectResponse } {
  return { time: minuteIso(ctx.now), user: { object: "user", id: ctx.actor.id } };
}
