import type { Env } from "../env";

/** The escalation's Durable Object, which serializes everything that decides or writes its page. */
export function escalationObject(env: Pick<Env, "ESCALATIONS">, escalation_id: string) {
  return env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));
}
