import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createFakeUpstream, type UpstreamOptions } from "../fakes/upstream-mcp";

let hostCounter = 0;

/** msw for a test file: unhandled requests fail the test, so nothing reaches the network. */
export function useNetwork() {
  const network = setupServer();
  beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
  afterEach(() => network.resetHandlers());
  afterAll(() => network.close());
  return {
    /** A fake upstream at a URL no other test uses, already served. */
    upstream(options: Omit<UpstreamOptions, "url"> = {}) {
      hostCounter += 1;
      const url = `https://tickets-${hostCounter}.upstream.example/mcp`;
      const fake = createFakeUpstream({ url, ...options });
      network.use(...fake.handlers);
      return { url, fake };
    },
  };
}
