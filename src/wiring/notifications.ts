import { secretsOf, type Env } from "../env";
import { RECEIVER_TIMEOUT_MS } from "../notifications/delivery";
import type { ConsumerDeps } from "../notifications/consumer";
import { notionCommenter } from "../notion/notification-comment";

/** The notification consumer's dependencies, built from the Worker's bindings. */
export function notificationConsumerDeps(env: Env): ConsumerDeps {
  return {
    db: env.DB,
    fetch: (input, init) => fetch(input, init),
    secrets: secretsOf(env),
    notionComment: notionCommenter(env),
    now: () => new Date(),
    timeout_ms: RECEIVER_TIMEOUT_MS,
  };
}
