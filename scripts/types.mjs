#!/usr/bin/env node
// `npm run types`: generates the Worker's Env (src/worker-configuration.d.ts) with `wrangler types` from wrangler.toml
// (bindings and vars) and .dev.vars.example (the names of secrets and optional settings), formatted as the repo is.
// `npm run types:check`: generates it beside the checked-in file and fails when the two differ. Used by CI.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const TYPES = "src/worker-configuration.d.ts";
// Beside the checked-in file, so the generated import paths ("./index") are the same.
const CANDIDATE = "src/worker-configuration.check.d.ts";

const check = process.argv.includes("--check");
const generated = await generate(check ? CANDIDATE : TYPES);
if (!check) {
  writeFileSync(new URL(`../${TYPES}`, import.meta.url), generated);
  console.log(`wrote ${TYPES}`);
} else if (generated !== readFileSync(new URL(`../${TYPES}`, import.meta.url), "utf8")) {
  console.error(
    `${TYPES} is out of date: wrangler.toml or .dev.vars.example changed since it was generated. ` +
      "Run `npm run types` and commit the result.",
  );
  process.exit(1);
} else {
  console.log(`${TYPES} is up to date.`);
}

/** Runs `wrangler types` into `path` and returns the file as it would be checked in (the candidate is removed). */
async function generate(path) {
  const args = [
    "types",
    path,
    "--env-file",
    ".dev.vars.example",
    "--include-runtime",
    "false",
    "--strict-vars",
    "false",
  ];
  try {
    const run = spawnSync(process.execPath, [wrangler, ...args], {
      cwd: root,
      // Offline by design: no metrics, no update check.
      env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`wrangler types failed:\n${run.stdout}\n${run.stderr}`);
    // The header names the command that made the file: the checked-in one's, whichever path this run wrote to.
    const text = readFileSync(new URL(`../${path}`, import.meta.url), "utf8").replace(path, TYPES);
    const options = await prettier.resolveConfig(new URL(`../${TYPES}`, import.meta.url));
    return prettier.format(text, { ...options, filepath: TYPES });
  } finally {
    if (path !== TYPES) rmSync(new URL(`../${path}`, import.meta.url), { force: true });
  }
}
