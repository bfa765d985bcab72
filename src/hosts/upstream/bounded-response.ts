/** The most an upstream may send in one answer; past it the body errors, so a hostile host cannot exhaust memory. */
export const MAX_UPSTREAM_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * `response` with a body that errors once more than `max` bytes have arrived or when `signal` aborts (status and
 * headers unchanged): an upstream that starts an answer and never finishes it cannot hold the call past its deadline.
 */
export function boundedResponse(response: Response, signal?: AbortSignal, max = MAX_UPSTREAM_ANSWER_BYTES): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  let received = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        controller.error(signal?.reason ?? new Error("aborted"));
        reader.cancel(signal?.reason).catch(() => undefined);
      };
      if (signal?.aborted) stop();
      else signal?.addEventListener("abort", stop, { once: true });
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      received += value.byteLength;
      if (received <= max) return controller.enqueue(value);
      controller.error(new Error(`the answer is larger than ${max} bytes`));
      await reader.cancel().catch(() => undefined);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
