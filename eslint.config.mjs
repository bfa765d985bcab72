// @ts-check
// One lint for the whole repository: ESLint's and typescript-eslint's recommended rules, no unused code, and the
// architecture's layers (the domain depends on ports; only src/notion speaks Notion, only src/claude speaks Claude).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

/** The domain: policy, pipeline, ledger and the rest; it depends on ports, never on an adapter. */
const DOMAIN = ["pipeline", "policy", "ledger", "approvals", "digest", "guards", "budgets", "redaction"];

/** Places that wire adapters into the domain, and so may import anything. */
const COMPOSITION = [
  "src/index.ts",
  "src/deps.ts",
  "src/app.ts",
  "src/admin/**",
  "src/mcp/**",
  "src/wiring/**",
  "src/**/*.do.ts",
];

const notionSdk = {
  name: "@notionhq/client",
  message: "Only src/notion speaks Notion: put this call in src/notion and inject it through a port.",
};
const anthropicSdk = {
  name: "@anthropic-ai/sdk",
  message: "Only src/claude speaks Anthropic: put this call in src/claude and inject it through a port.",
};

const workersEnv = {
  name: "cloudflare:workers",
  importNames: ["env"],
  message: "Bindings flow as arguments: take `env` (or a deps object) as a parameter instead of the global.",
};

/** Import paths (relative, as written) that reach into an adapter folder; `hosts/host` is the hosts port. */
const adapterImports = [
  {
    regex: String.raw`(^|/)(notion|claude)(/|$)`,
    message:
      "The domain depends on ports: declare the interface in the domain, implement it in src/notion or src/claude, and inject it from a composition point (src/deps.ts, src/wiring).",
  },
  {
    regex: String.raw`(^|/)hosts(/(?!host$)|$)`,
    message:
      "The domain depends on ports: import types from src/hosts/host.ts (the port) and receive the host as an argument.",
  },
  {
    regex: String.raw`(^|/)hosts/host$`,
    allowTypeImports: true,
    message: "src/hosts/host.ts is the hosts port: import its types with `import type`.",
  },
];

/**
 * A folder with an index.ts shows its surface there: values from another folder come through its index, which
 * loads no Durable Object. Types may name the file that declares them; `hosts/host` is the hosts port and `*.do`
 * modules are imported by the composition that binds them.
 */
const surfaceImports = {
  regex: String.raw`^(\.\./)+(budgets|claude|hosts|ledger|policy|redaction)/(?!host$)(?!.*\.do$)`,
  allowTypeImports: true,
  message: 'Import values from the folder\'s index ("../ledger", not "../ledger/canonical"); export them there.',
};

/** Unused code is an error; a `_` prefix marks a name that is unused on purpose (a required parameter, a rest split). */
const unusedVars = ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }];

/** `no-restricted-imports` options for one layer; flat config replaces (not merges) a rule's options per file. */
const restrict = (paths, patterns = []) => [
  "error",
  { paths: [workersEnv, ...paths], patterns: [surfaceImports, ...patterns] },
];

export default defineConfig(
  globalIgnores(["node_modules/", ".wrangler/", ".notion-emulator/", "bench/.out/", ".ci/out/", "**/*.d.ts"]),

  {
    files: ["**/*.{ts,mjs}"],
    extends: [js.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: "error" },
    // `let { end, rank } = hit` where only some of the names change is clearer than splitting the pattern.
    rules: { "prefer-const": ["error", { destructuring: "all" }] },
  },

  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommended],
    rules: {
      "@typescript-eslint/no-unused-vars": unusedVars,
      "no-duplicate-imports": ["error", { allowSeparateTypeImports: true }],
    },
  },

  // Tests and benchmarks read JSON answers loosely; `as any` there is not a type hole in the product.
  { files: ["test/**/*.ts", "bench/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },

  {
    files: ["scripts/**/*.mjs", "emulator/**/*.mjs"],
    languageOptions: { globals: globals.node },
    rules: { "no-unused-vars": unusedVars },
  },

  // Layers. The SDKs stay inside their adapters everywhere in src.
  { files: ["src/**/*.ts"], rules: { "no-restricted-imports": restrict([notionSdk, anthropicSdk]) } },
  { files: ["src/notion/**/*.ts"], rules: { "no-restricted-imports": restrict([anthropicSdk]) } },
  { files: ["src/claude/**/*.ts"], rules: { "no-restricted-imports": restrict([notionSdk]) } },
  {
    files: DOMAIN.map((folder) => `src/${folder}/**/*.ts`),
    ignores: COMPOSITION,
    rules: { "no-restricted-imports": restrict([notionSdk, anthropicSdk], adapterImports) },
  },
);
