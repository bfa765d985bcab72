import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE, newTenant } from "../support/worker";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TTL_MS = 1_000;

describe("a key revoked where this isolate cannot see it", () => {
  it("stops working once the cache TTL has passed, however busy the agent keeps it", async () => {
    const { key, tenant } = await newTenant();
    const app = createApp();
    const list = async () => {
      const res = await app.fetch(
        new Request(`${BASE}/mcp`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        }),
        { ...env, AUTH_CACHE_TTL_MS: String(TTL_MS) },
        createExecutionContext(),
      );
      return res.status;
    };
    const cachedFrom = Date.now();
    expect(await list()).toBe(200);
    // Revoked in D1 directly, as another isolate's admin call would: this isolate's cache is not cleared.
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ?")
      .bind(new Date().toISOString(), tenant)
      .run();
    // The agent keeps calling: the cached key works until the TTL has passed, and not a moment longer than that
    // plus one call (a slow machine only stretches how long each call takes).
    let calls = 0;
    for (;;) {
      const status = await list();
      const elapsed = Date.now() - cachedFrom;
      if (status === 401) {
        expect(elapsed).toBeGreaterThanOrEqual(TTL_MS);
        break;
      }
      expect(status).toBe(200);
      expect(elapsed).toBeLessThan(TTL_MS + 5_000);
      calls++;
      await sleep(50);
    }
    expect(calls).toBeGreaterThan(0);
  });
});
