import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import type { Env as WorkerEnv } from "../src/env";

// `env` from cloudflare:test carries the Worker's bindings plus the migrations vitest.config.ts provides.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS?: D1Migration[];
    }
  }
}
