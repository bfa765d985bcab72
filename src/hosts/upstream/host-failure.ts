import type { HostCallResult } from "../host";

/** Why a host call did not produce data. */
export type HostFailure = Extract<HostCallResult, { ok: false }>["error"];

/** The host could not be reached in time: retryable, never a denial. */
export function unavailable(message: string): HostFailure {
  return { code: "host_unavailable", message, retryable: true };
}

/** The host refused the request itself (protocol error, credentials, bad request): retrying the same call will not help. */
export function rejected(message: string): HostFailure {
  return { code: "host_rejected", message, retryable: false };
}

/** The tool ran and failed. */
export function toolFailed(message: string): HostFailure {
  return { code: "host_error", message, retryable: false };
}

/** The failure an HTTP status stands for (429 and 5xx are the host being unavailable). */
export function failureForStatus(status: number, host_id: string): HostFailure {
  if (status === 429 || status >= 500) return unavailable(`host ${host_id} answered HTTP ${status}`);
  if (status === 401 || status === 403)
    return rejected(`host ${host_id} refused the configured credentials (HTTP ${status})`);
  return rejected(`host ${host_id} refused the request (HTTP ${status})`);
}

/** The failure a thrown fetch stands for: a passed deadline or a network error. */
export function failureForThrow(
  host_id: string,
  timeout_ms: number,
  callSignal: AbortSignal,
  deadline: AbortSignal,
): HostFailure {
  if (callSignal.aborted) return unavailable(`the call's deadline passed before host ${host_id} answered`);
  if (deadline.aborted) return unavailable(`host ${host_id} did not answer within ${timeout_ms} ms`);
  return unavailable(`host ${host_id} could not be reached`);
}

/** A short, single-line excerpt of upstream text for an error message. */
export function excerpt(text: string, max = 500): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
