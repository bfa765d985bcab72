#!/usr/bin/env node
// Folder-level import cycles in src: each src/<folder> is one node, every relative import between two folders
// (type-only and `export … from` included: a folder that needs another's types still depends on it) is an edge.
// Files at src's top are left out: index, app and deps are the composition root, env and ids are leaves every layer
// reads. Prints each group of folders that import each other in a ring, with the imports that close it, and exits 1
// when there is one. Usage: node scripts/check-cycles.mjs [src-dir]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const root = resolve(process.argv[2] ?? "src");

/** The folder under src a path (a file, or a folder imported for its index) belongs to; null at src's top or outside. */
function nodeOf(path) {
  const parts = relative(root, path).split(sep);
  if (parts[0] === ".." || parts[0] === "") return null;
  return parts.length > 1 || statSync(path, { throwIfNoEntry: false })?.isDirectory() ? parts[0] : null;
}

/** edges.get(from).get(to) = the imports (`file → specifier`) that make `from` depend on `to`. */
const edges = new Map();
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".d.ts")) continue;
  const file = join(entry.parentPath, entry.name);
  const from = nodeOf(file);
  if (from === null) continue;
  for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const to = nodeOf(resolve(dirname(file), fileName));
    if (to === null || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const via = edges.get(from).get(to) ?? [];
    via.push(`${relative(process.cwd(), file)} → ${fileName}`);
    edges.get(from).set(to, via);
  }
}

// Tarjan's strongly connected components: every component of two or more nodes is a set of folders in a cycle.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function visit(node) {
  index.set(node, index.size);
  low.set(node, index.get(node));
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node)?.keys() ?? []) {
    if (!index.has(next)) visit(next);
    if (onStack.has(next)) low.set(node, Math.min(low.get(node), low.get(next)));
  }
  if (low.get(node) !== index.get(node)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== node);
  if (component.length > 1) components.push(component.sort());
}
for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);

for (const component of components) {
  console.log(`cycle: ${component.join(" ↔ ")}`);
  for (const from of component)
    for (const [to, via] of edges.get(from) ?? [])
      if (component.includes(to)) console.log(`  ${from} → ${to}: ${via.length} import(s), e.g. ${via[0]}`);
}
console.log(components.length === 0 ? "no folder cycles in src" : `${components.length} folder cycle(s) in src`);
process.exitCode = components.length === 0 ? 0 : 1;
