import type { PipelineDeps } from "./ports";

/** A fault in one line for the logs: its name and message, never its stack or a host's details. */
export function describeFault(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Runs `work` after the response (`deps.defer`), logging `what` when it fails, whether it rejects or throws before
 * it starts: follow-up work never changes the answer or stops the records.
 */
export function deferSafely(deps: Pick<PipelineDeps, "defer">, what: string, work: () => Promise<unknown>): void {
  const log = (error: unknown) => console.error(`${what}: ${describeFault(error)}`);
  try {
    deps.defer(work().catch(log));
  } catch (error) {
    log(error);
  }
}
