/** A fault in one line for the logs: its name and message, never its stack or a host's details. */
export function describeFault(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
