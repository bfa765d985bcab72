import type { D1Migration } from "@cloudflare/vitest-pool-workers";

// `env` from cloudflare:test carries the Worker's bindings (src/worker-configuration.d.ts) plus the migrations
// vitest.config.ts provides.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS?: D1Migration[];
    }
  }
}
