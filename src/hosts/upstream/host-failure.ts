import type { HostCallResult } from "../host";

/** Why a host call did not produce data. */
export type HostFailure = Extract<HostCallResult, { ok: false }>["error"];

/** The host could not be reached in time: retryable, never a denial. */
export function unavailable(message: string): HostFailure {
  return { code: "host_unavailable", message, retryable: true };
}

/**
 * The call was sent and no usable answer came back: the host may have run it. Not retryable, so no agent sends it
 * again on its own; the message says to check on the host first.
 */
export function outcomeUnknown(what: string, host_id: string): HostFailure {
  return {
    code: "host_unavailable",
    message: `${what}; the call may have run there, so check on host ${host_id} before calling again`,
    retryable: false,
  };
}

/** The host refused the request itself (protocol error, credentials, bad request): retrying the same call will not help. */
export function rejected(message: string): HostFailure {
  return { code: "host_rejected", message, retryable: false };
}

/** The tool ran and failed. */
export function toolFailed(message: string): HostFailure {
  return { code: "host_error", message, retryable: false };
}

/**
 * The failure an HTTP status stands for. 429 and 503 say the request was not taken, so a retry is safe; other 5xx
 * answers to a sent call leave its outcome unknown (`sent`); 4xx is a refusal.
 */
export function failureForStatus(status: number, host_id: string, sent = false): HostFailure {
  if (status === 429 || status === 503) return unavailable(`host ${host_id} answered HTTP ${status}`);
  if (status >= 500)
    return sent
      ? outcomeUnknown(`host ${host_id} answered HTTP ${status}`, host_id)
      : unavailable(`host ${host_id} answered HTTP ${status}`);
  if (status === 401 || status === 403)
    return rejected(`host ${host_id} refused the configured credentials (HTTP ${status})`);
  return rejected(`host ${host_id} refused the request (HTTP ${status})`);
}

/**
 * The failure a thrown fetch stands for: a passed deadline or a network error. Once the call itself was handed to
 * fetch (`sent`), neither proves the host did not run it, so its outcome is unknown.
 */
export function failureForThrow(
  host_id: string,
  timeout_ms: number,
  callSignal: AbortSignal,
  deadline: AbortSignal,
  sent = false,
): HostFailure {
  const what = callSignal.aborted
    ? `the call's deadline passed before host ${host_id} answered`
    : deadline.aborted
      ? `host ${host_id} did not answer within ${timeout_ms} ms`
      : `host ${host_id} could not be reached`;
  return sent ? outcomeUnknown(what, host_id) : unavailable(what);
}

/** A short, single-line excerpt of upstream text for an error message. */
export function excerpt(text: string, max = 500): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
