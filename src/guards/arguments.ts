/**
 * The guards on a call's arguments in one pass, before any approval or host sees them: privacy and content
 * screening, then the Claude moderation pass of the content rows that ask for one.
 */
import type { CompiledPolicy } from "../policy";
import { moderateArguments, type Moderator } from "./moderation";
import { screenArguments, type Screening } from "./screen";

/**
 * Screens `args` under `guards` (decide()'s list, in deciding order) and moderates them: what every record shows,
 * what the host receives, the hits, alerts and Shadow results, and the guard that stops or holds the call, if any.
 */
export async function guardArguments(
  guards: readonly CompiledPolicy[],
  args: Record<string, unknown>,
  call: { tenant_id: string; invocation_id: string; tool: string },
  moderate: Moderator,
): Promise<Screening> {
  const screening = screenArguments(guards, args);
  await moderateArguments(guards, screening, call, moderate);
  return screening;
}
