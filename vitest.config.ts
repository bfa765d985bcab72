import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./src/db/migrations"),
          ADMIN_TOKEN: "test-admin-token",
          TICKETS_AUTH: "Bearer upstream-secret",
          // The local emulator's integration token and webhook verification token.
          NOTION_TOKEN: "secret_emulator",
          NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
          // A token the emulator refuses, to play a Notion that will not serve the sync.
          WRONG_NOTION_TOKEN: "secret_revoked",
          // A second integration, with its own gate, for a test that measures everything one gate sends.
          STORM_NOTION_TOKEN: "secret_emulator_storm",
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // A loaded 2-core CI machine can take several seconds for the 200-concurrent-call test; none should take 20.
    testTimeout: 20_000,
  },
});
