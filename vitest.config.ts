import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { availableParallelism } from "node:os";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Test files that import nothing from `cloudflare:*` (directly or through a helper) and use no binding, no `SELF`,
 * no D1 and no Durable Object: they run in plain Node, in one process, without starting the Workers runtime.
 * A file listed here that reaches for the runtime fails at once ("Cannot find package 'cloudflare:test'"). Add a new
 * unit test here when it imports no runtime helper; every file not listed here runs inside workerd.
 */
const nodeTests = [
  "test/emulator/*.test.ts",
  "test/pipeline/stages/*.test.ts",
  "test/policy/*.test.ts",
  "test/redaction/*.test.ts",
  "test/scripts/bench-summary.test.ts",
  "test/scripts/load-checks.test.ts",
  "test/scripts/local-worker.test.ts",
  "test/scripts/dev-proxy-retry.test.ts",
  "test/approvals/may-decide.test.ts",
  "test/artifacts/render.test.ts",
  "test/budgets/denial-message.test.ts",
  "test/budgets/windows.test.ts",
  "test/digest/week.test.ts",
  "test/hosts/circuit.test.ts",
  "test/hosts/read-rpc-response.test.ts",
  "test/hosts/validate-arguments.test.ts",
  "test/http/origin.test.ts",
  "test/http/principal-cache.test.ts",
  "test/oauth/*.test.ts",
  "test/ledger/canonical.test.ts",
  "test/ledger/group-commit.test.ts",
  "test/ledger/hash-vectors.test.ts",
  "test/ledger/merkle.test.ts",
  "test/ledger/proof-verify.test.ts",
  "test/ledger/note-verify.test.ts",
  "test/scripts/ledger-verify-cli.test.ts",
  "test/hostile/outcome-faults.test.ts",
  "test/notion/digest/digest-page.test.ts",
  "test/notion/page-properties.test.ts",
  "test/notion/rate-schedule.test.ts",
  "test/notion/policy-id.test.ts",
  "test/pipeline/arguments.test.ts",
  "test/pipeline/faults.test.ts",
  "test/pipeline/outcome-later.test.ts",
  "test/pipeline/result-limits.test.ts",
  "test/pipeline/run.test.ts",
  "test/hosts/safe-schema.test.ts",
  "test/ledger/signing-key.test.ts",
  "test/notion/approval-caller.test.ts",
  "test/incidents/conditions.test.ts",
  "test/release/replay.test.ts",
  "test/release/replay-distinct.test.ts",
  "test/scripts/incidents-cli.test.ts",
  // Starts the real server-everything in a Node process.
  "test/hosts/server-everything.test.ts",
];

/**
 * Runtime test files that never call the Worker through `SELF`: they share one runtime, its D1 and its Durable
 * Objects, so each must create its own tenants, books and ledgers. Files that call through `SELF` keep a runtime
 * each: one runtime serving every file's requests gets slower with each request it has served
 * (https://github.com/cloudflare/workers-sdk/issues/15446).
 */
const sharedRuntimeTests = [
  "test/budgets/budget-book.test.ts",
  "test/budgets/overspend.test.ts",
  "test/digest/figures.test.ts",
  "test/digest/ledger-checkpoint.test.ts",
  "test/digest/weekly.test.ts",
  "test/hosts/demo-hosts.test.ts",
  "test/hosts/registry.test.ts",
  // The runtime's own regular expressions decide what a schema pattern may use.
  "test/hosts/schema-regex.test.ts",
  "test/hosts/upstream-mcp.test.ts",
  "test/ledger/chain.test.ts",
  "test/ledger/entries.test.ts",
  "test/ledger/hash-coverage.test.ts",
  "test/ledger/ledger.do.test.ts",
  "test/ledger/outcome-once.test.ts",
  "test/ledger/tamper.test.ts",
  "test/ledger/tree.test.ts",
  "test/notion/gate.test.ts",
  "test/notion/setup.test.ts",
  "test/notion/templates.test.ts",
];

/** Packages imported only by tests that run in Node: the runtime's projects need not bundle them. */
const nodeOnlyPackages = ["@faker-js/faker", "@modelcontextprotocol/sdk/validation/ajv"];

/**
 * Every package specifier the Worker and its tests import (`import … from "x"`, `import("x")`), read from the
 * sources so the list cannot fall behind them. Vite bundles each into one module before the tests start: without
 * that, every runtime test file loads each package module by module from the vitest process (the MCP SDKs, the Notion
 * client, zod and hono are hundreds of files), and that loading was most of each file's setup. A specifier left out
 * would load unbundled beside its bundled copy, and a class such as `McpError` would then exist twice.
 */
function importedPackages(): string[] {
  const specifiers = new Set<string>();
  for (const dir of ["src", "test"]) {
    for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".ts")) continue;
      const text = readFileSync(`${dir}/${file}`, "utf8");
      const statements = text.matchAll(
        /^\s*(?:import|export)\s[^"]*?\bfrom\s+"([^".][^"]*)"|\bimport\(\s*"([^".][^"]*)"\s*\)/gm,
      );
      for (const [, from, dynamic] of statements) specifiers.add(from ?? dynamic ?? "");
    }
  }
  return [...specifiers]
    .filter((s) => s && !/^(node:|cloudflare:|vitest|@cloudflare\/)/.test(s) && !nodeOnlyPackages.includes(s))
    .sort();
}

/** Vite's dependency bundling for the runtime's projects (see importedPackages); Node's own modules stay outside. */
const runtimeDeps = {
  optimizer: {
    ssr: {
      enabled: true,
      include: importedPackages(),
      rolldownOptions: { external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)] },
    },
  },
};

/** The Worker under test inside workerd, with the bindings and secrets the tests use. */
const workersRuntime = () =>
  cloudflareTest(async () => ({
    main: "./src/index.ts",
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        TEST_MIGRATIONS: await readD1Migrations("./src/db/migrations"),
        ADMIN_TOKEN: "test-admin-token",
        // The key that signs ledger checkpoints; its verifier key is policy-os.test+2d063ee1+ASTPnuUdyu391NGSE0jRZuYc0KWGLBcHN7X20zWeP4D8.
        LEDGER_SIGNING_KEY: "PRIVATE+KEY+policy-os.test+2d063ee1+AdtvEHsakjJvPd3Fra4/PRD6TxDrmJExs4IS4bi45bQi",
        TICKETS_AUTH: "Bearer upstream-secret",
        // The local emulator's integration token and webhook verification token.
        NOTION_TOKEN: "secret_emulator",
        NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
        // The key minted run ids are signed with (src/runs/run-ids.ts).
        RUN_SIGNING_KEY: "test-run-signing-key",
        // A token the emulator refuses, to play a Notion that will not serve the sync.
        WRONG_NOTION_TOKEN: "secret_revoked",
        // A second integration, with its own gate, for a test that measures everything one gate sends.
        STORM_NOTION_TOKEN: "secret_emulator_storm",
      },
    },
  }));

export default defineConfig({
  test: {
    // A loaded 2-core CI machine can take several seconds for the 200-concurrent-call test; none should take 20.
    testTimeout: 20_000,
    // A runtime test file waits much of its time (module loads, timers, the Notion gate): two at a time keep even a
    // 2-core machine busy, where vitest's default (cores - 1) would run one.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: { name: "node", environment: "node", include: nodeTests },
      },
      {
        extends: true,
        plugins: [workersRuntime()],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: [...nodeTests, ...sharedRuntimeTests],
          setupFiles: ["./test/setup.ts"],
          deps: runtimeDeps,
        },
      },
      {
        extends: true,
        plugins: [workersRuntime()],
        test: {
          name: "workers-shared",
          include: sharedRuntimeTests,
          setupFiles: ["./test/setup.ts"],
          deps: runtimeDeps,
          // A runtime runs file after file of this project instead of starting afresh for each; its own group keeps
          // the files of other projects from interleaving with them, which would stop the runtime between files.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
