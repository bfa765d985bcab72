import type { HostCallContext } from "../../src/hosts/host";

let counter = 0;

/** A tenant id no other test uses. */
export function uniqueTenant(label: string): string {
  counter += 1;
  return `t_${label}_${counter}_${crypto.randomUUID().slice(0, 8)}`;
}

/** The context the pipeline would pass for one call. */
export function callContext(
  tenant_id: string,
  invocation_id: string,
  signal = new AbortController().signal,
): HostCallContext {
  return { tenant_id, invocation_id, signal };
}
