// wrangler dev puts a proxy Worker in front of the user's Worker. When the proxy's kept-alive connection to the Worker
// closes just as a request is sent on it (kj's 5 s keep-alive timeout; cloudflare/workers-sdk#14641), the proxy answers
// a POST with 503 "Your worker restarted mid-request" although the Worker never restarted and was never reached. The
// scripts and benchmarks that drive a local Worker send such a request once more. Deployed Workers have no such proxy.

/** The start of the body of the dev proxy's 503. */
export const DEV_PROXY_DROPPED = "Your worker restarted mid-request";

/**
 * `fetchImpl`, sending a request once more when wrangler dev's proxy answered that it could not deliver it. Only
 * requests whose body can be sent twice (none, a string or bytes) are sent again; each retry is said on stderr.
 * @param {typeof fetch} fetchImpl
 * @returns {typeof fetch}
 */
export function retryingDevProxy(fetchImpl) {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.status !== 503 || !resendable(input, init)) return response;
    const text = await response.clone().text();
    if (!text.startsWith(DEV_PROXY_DROPPED)) return response;
    console.error(
      `wrangler dev's proxy could not deliver a request to the Worker (workers-sdk#14641); sending it again`,
    );
    return fetchImpl(input, init);
  };
}

/** @param {unknown} input @param {RequestInit | undefined} init */
function resendable(input, init) {
  if (input instanceof Request && input.body !== null) return false;
  const body = init?.body;
  return body == null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

let installed = false;
/** Makes this process's global `fetch` resend what wrangler dev's proxy dropped (once per process). */
export function resendDroppedDevRequests() {
  if (installed) return;
  installed = true;
  globalThis.fetch = retryingDevProxy(globalThis.fetch.bind(globalThis));
}
