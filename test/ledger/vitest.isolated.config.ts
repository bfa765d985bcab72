/** `npx vitest run -c test/ledger/vitest.isolated.config.ts`: the ledger tests against a ledger-only Worker. */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/ledger/isolated.worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
    }),
  ],
  test: { include: ["test/ledger/**/*.test.ts"] },
});
