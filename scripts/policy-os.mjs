#!/usr/bin/env node
// policy-os: a small CLI over the admin API. `policy-os --help` lists the commands.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decisionLine, decisionRequest } from "./approvals-decide.mjs";
import { retryingDevProxy } from "./dev-proxy-retry.mjs";

const HELP = `policy-os: the Policy OS admin API from a terminal

Usage: policy-os <command> [options]

  tenants                              list tenants
  tenants create <id> --name <name> [--demo-hosts] [--approvers a,b]
  tenants set <id> [--name <name>] [--approvers a,b] [--approval-ttl <seconds>] [--reminder <seconds|never>]
                 [--claude-cap <cents>] [--digest-day <0-6>] [--digest-hour <0-23>]
                                       change a tenant; a held call waits --approval-ttl (default 86400), and
                                       its approvers are reminded after --reminder (default 3600); Claude may
                                       cost --claude-cap US cents a month (default 500; 0: templates only); the
                                       weekly digest is written on --digest-day (0 Sunday, default 1) at
                                       --digest-hour UTC (default 8)
  agents                               list the tenant's agents
  agents create <name> [--owner <person>] [--scopes a,b] [--tools "payments.*,crm.get_contact"]
                 [--acts-for "pat@acme.test,Sam Lee"] [--workspaces acme,beta]
  agents set <agent-id> [--acts-for a,b] [--workspaces a,b]
                                       whom the agent may act for with its API key (_meta.on_behalf_of; its
                                       owner always) and the workspaces it may name (_meta.workspace; none
                                       when empty); "" clears a list
  runs start <agent-id> [--ttl <seconds>]
                                       mint a run id for the agent (_meta.run_id; per-run caps count on it)
  agents suspend <agent-id>            refuse the agent's calls (401 agent_suspended)
  agents activate <agent-id>
  agents clients <agent-id> [client-id,…]
                                       the OAuth client ids whose access tokens act as the agent (none: clear)
  keys issue <agent-id>                another key for an agent (shown once)
  keys revoke <key-or-prefix>          revoke a key by the key itself or its shown prefix
  oauth                                the tenant's OAuth endpoint (resource URI, metadata URL), its
                                       authorization servers and which client is which agent (docs/oauth.md)
  oauth set-issuer <issuer-url> [--jwks-uri <url>] [--algorithms RS256,ES256] [--person-claim <claim>]
                                       add or replace an authorization server whose access tokens the tenant's
                                       endpoint accepts (jwks_uri discovered when omitted; person: email, else sub)
  oauth remove-issuer <issuer-url>     stop accepting that authorization server's tokens
  policies                             the policy rows in force and the snapshot hash
  policies set <rows.json>             replace the policy rows (all or nothing; rejected rows say why); the new
                                       snapshot is a candidate, checked before it takes effect (docs/releases.md)
  policies rollback <snapshot>         make an earlier snapshot a new candidate, checked like any other; with
                                       Notion, the Policies rows are written back to match once it takes effect
  releases                             the tenant's releases, newest first (status, golden tasks, replay impact)
  releases show <release-id>           one release with its report (changed rows, golden results, replay)
  releases accept <release-id> --as <person> --reason "…"
                                       accept a held release: its snapshot takes effect (recorded with who and why)
  release check [--rows <rows.json>]   dry run: check the rows (default: the rows in force) like a candidate and
                                       print the report; exit 1 when it breaks a golden task, 3 when it would be
                                       held for the replay threshold
  release settings [--retention-days <n>] [--replay-days <n>] [--threshold <percent>]
                                       how long decision inputs are kept (default 7 days), how many days are
                                       replayed (7) and the share of replayed calls a candidate may change (5%)
  golden                               the tenant's golden tasks and their last results
  golden set <task.json>               set golden tasks by name (one task, or an array): tool, arguments, agent,
                                       acts_for, workspace, expected (authorized|escalated|denied),
                                       expected_reason, status (active|paused)
  golden remove <name>                 delete a golden task
  hosts                                the tenant's hosts with their health (circuit, calls, errors,
                                       p50/p95, last success) and its tool catalog
  hosts add <namespace> <url> [--auth-secret <SECRET_NAME>] [--auth-header <name>] [--timeout-ms <n>]
            [--circuit <json>]         e.g. --circuit '{"min_failures":3,"cooldown_ms":10000}' (docs/hosts.md)
  hosts remove <namespace>
  channels                             the tenant's notification channels (secrets shown by name only)
  channels add <name> webhook <https-url> --secret <SECRET_NAME> [--default]
  channels add <name> slack --url-secret <SECRET_NAME> [--default]
  channels add <name> notion_comment [--default]
                                       where alerts, budget thresholds and held calls nearing expiry go: a
                                       signed webhook, a Slack incoming webhook, a comment on the event's Notion
                                       page; --default: events whose policy names no channel (docs/notifications.md)
  channels remove <name>
  notifications [--status dead] [--limit n]
                                       deliveries to the channels: status, attempts, last error (dead letters)
  escalations [--status pending]       held calls
  incidents [--limit n]                open incidents first, then the latest resolved (docs/incidents.md)
  incidents show <incident-id>         one incident: figures, affected tools and agents, its Notion page
  approvals decide <escalation-id> --approve|--deny --as <person> --reason "…"
                                       break-glass, while Notion is unreachable: decide a held call as one of
                                       its approvers (the same rules as in Notion: an approver, not the person
                                       acted for nor the agent's owner, a pending and unexpired escalation);
                                       recorded as break-glass in the ledger, the digest and, once Notion is
                                       back, on its Approvals page
  audit [--tool t] [--outcome o] [--agent a] [--limit n]
  audit reads [--method resources/read|prompts/get] [--outcome read|refused|failed] [--agent a] [--limit n]
                                       what agents read besides tool calls: resources and prompts, and whether
                                       they got them
  ledger [--after <seq>] [--limit n]   ledger entries and the head
  ledger verify                        recompute the hash chain (on the server)
  ledger checkpoint [--out <file>]     the current signed checkpoint (a C2SP signed note); save it to check later
  ledger key                           the verifier key checkpoints are signed with
  ledger verify --checkpoint <file> --key <key|file>
                                       offline: the saved checkpoint is signed by the key
  ledger verify --checkpoint <file> --key <key|file> --entry <entry.json> --proof <inclusion.json>
                                       offline: the exported entry (a JSON entry or an evidence line) is in the
                                       checkpoint's tree: its hash recomputes and the inclusion proof reaches the root
  ledger verify --checkpoint <old> --checkpoint <new> --key <key|file> --proof <consistency.json>
                                       offline: the newer checkpoint extends the older one
  ledger verify --since <file> [--key <key|file>]
                                       the live ledger extends a checkpoint you saved: nothing signed then was
                                       removed or rewritten (without --key, the server's published key is used).
                                       These print one line (--json: the verdict); exit 0 verified, 1 failed,
                                       2 bad usage
  evidence --tag <tag> [--from <iso>] [--to <iso>] [--out <file.jsonl>]
                                       compliance evidence as JSON Lines (stdout, or --out): each call whose
                                       decision carries the tag in [from, to), with its outcome and escalation
                                       entries, then a summary with the ledger's head. Every line is checked as
                                       it arrives (each hash recomputes; consecutive entries link); compare the
                                       head with \`ledger verify\` (entries) and \`ledger\` (head hash)
  evidence verify <file.jsonl>         the same checks on an exported file, offline
  export [--out <dir>]                 write the operating artifacts generated from the tenant's live state
                                       (mcp_contract.yaml, agent_contract.yaml, outcome_contract.md, runbook.md;
                                       docs/artifacts.md) into <dir> (default ./policy-os-artifacts); prints
                                       their paths
  digest [--week <monday>]             write (or rewrite) the weekly digest page in Notion now: the last
                                       complete week, or the week starting --week (YYYY-MM-DD)
  claude                               Claude's spend this month against the cap, and its latest calls
  notion setup --parent <page-id> [--samples] [--url <notion-url>] [--connect <worker-url>] [--json]
                                       create (or find) the Notion databases under a page (NOTION_TOKEN, or the
                                       local emulator's --url); --connect hands their ids to that Worker for
                                       --tenant (default demo) and runs a first sync (--webhook-secret <NAME|none>:
                                       the Worker secret verifying webhooks, default NOTION_WEBHOOK_SECRET);
                                       --json prints the ids as JSON

Options:
  --tenant <id>    the tenant (default: the demo tenant under local dev)
  --url <url>      the Worker (default: $POLICY_OS_URL or http://127.0.0.1:8787)
  --token <token>  the admin token (default: $ADMIN_TOKEN or the local default)
  --json           print the raw JSON answer
`;

if (process.argv[2] === "notion" && process.argv[3] === "setup") {
  // Runs the TypeScript setup (it shares its templates and code with the Worker) through tsx.
  const script = fileURLToPath(new URL("./notion-setup.ts", import.meta.url));
  const run = spawnSync(process.execPath, ["--import", "tsx", script, ...process.argv.slice(4)], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: "string" },
    url: { type: "string" },
    token: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    name: { type: "string" },
    "demo-hosts": { type: "boolean" },
    approvers: { type: "string" },
    "approval-ttl": { type: "string" },
    reminder: { type: "string" },
    owner: { type: "string" },
    scopes: { type: "string" },
    tools: { type: "string" },
    "acts-for": { type: "string" },
    workspaces: { type: "string" },
    ttl: { type: "string" },
    status: { type: "string" },
    approve: { type: "boolean" },
    deny: { type: "boolean" },
    as: { type: "string" },
    reason: { type: "string" },
    tool: { type: "string" },
    outcome: { type: "string" },
    method: { type: "string" },
    agent: { type: "string" },
    limit: { type: "string" },
    after: { type: "string" },
    "auth-secret": { type: "string" },
    "auth-header": { type: "string" },
    "timeout-ms": { type: "string" },
    circuit: { type: "string" },
    secret: { type: "string" },
    "url-secret": { type: "string" },
    default: { type: "boolean" },
    tag: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    out: { type: "string" },
    week: { type: "string" },
    "claude-cap": { type: "string" },
    "digest-day": { type: "string" },
    "digest-hour": { type: "string" },
    "jwks-uri": { type: "string" },
    algorithms: { type: "string" },
    "person-claim": { type: "string" },
    checkpoint: { type: "string", multiple: true },
    key: { type: "string" },
    entry: { type: "string" },
    proof: { type: "string" },
    since: { type: "string" },
    rows: { type: "string" },
    "retention-days": { type: "string" },
    "replay-days": { type: "string" },
    threshold: { type: "string" },
  },
});

const base = (opts.url ?? process.env.POLICY_OS_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const token = opts.token ?? process.env.ADMIN_TOKEN ?? "local-admin-token";
const list = (s) =>
  s
    ? s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;
/** A list option that may clear its list: absent leaves it, "" empties it. */
const setList = (s) => (s === undefined ? undefined : (list(s) ?? []));
const numberOpt = (name) => (opts[name] === undefined ? undefined : Number(opts[name]));
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const need = (value, what) => {
  if (!value) fail(`missing ${what}; see policy-os --help`);
  return value;
};

function fail(message) {
  console.error(`policy-os: ${message}`);
  process.exit(2);
}

/** `fetch` for the admin API: a local Worker sits behind wrangler dev's proxy (scripts/dev-proxy-retry.mjs). */
const adminFetch = retryingDevProxy(fetch);

/** Sends an admin request; on an error status prints the API's error and exits. */
async function send(method, path, { query = {}, body } = {}) {
  const url = new URL(`/admin${path}`, base);
  for (const [k, v] of Object.entries({ tenant: opts.tenant, ...query }))
    if (v !== undefined) url.searchParams.set(k, v);
  let res;
  try {
    res = await adminFetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    fail(`cannot reach ${base} (${error.cause?.code ?? error.message}); is \`npm start\` running?`);
  }
  if (!res.ok) {
    const payload = await res.json().catch(() => ({}));
    const e = payload.error ?? {};
    console.error(`policy-os: ${res.status} ${e.code ?? ""}: ${e.message ?? JSON.stringify(payload)}`);
    if (e.details) console.error(JSON.stringify(e.details, null, 2));
    process.exit(1);
  }
  return res;
}

async function api(method, path, options) {
  return (await send(method, path, options)).json().catch(() => ({}));
}

/**
 * Checks evidence lines as they pass (src/ledger/evidence-verify.ts, through tsx like `notion setup`), copying
 * each to `out` when given, and prints a one-line verdict to stderr.
 */
async function checkEvidence(input, out) {
  const { tsImport } = await import("tsx/esm/api");
  const { evidenceVerifier } = await tsImport("../src/ledger/evidence-verify.ts", import.meta.url);
  const check = evidenceVerifier();
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    check.add(line);
    if (out && !out.write(`${line}\n`)) await once(out, "drain");
  }
  const v = check.result();
  if (opts.json && out !== process.stdout) console.log(JSON.stringify(v, null, 2));
  if (!v.ok) {
    const [first] = v.problems;
    const more = v.problems.length > 1 ? ` (and ${v.problems.length - 1} more)` : "";
    console.error(
      `EVIDENCE BROKEN at line ${first.line}${first.seq ? ` (seq ${first.seq})` : ""}: ${first.problem}${more}`,
    );
    process.exitCode = 1;
    return;
  }
  const s = v.summary;
  const window = s.from || s.to ? ` [${s.from ?? "start"}, ${s.to ?? "now"})` : "";
  console.error(
    `evidence ${s.tag}${window}: ${v.entries} entries of ${s.invocations} calls verified (every hash, ${v.links} links); ` +
      `ledger head seq ${s.head.seq} hash ${s.head.hash}`,
  );
}

/** A file's bytes (a checkpoint is checked byte for byte) or text; a file that cannot be read is a usage error. */
async function readInput(file, what, encoding) {
  try {
    return encoding ? await readFile(file, encoding) : new Uint8Array(await readFile(file));
  } catch (error) {
    fail(`cannot read ${what} ${file} (${error.code ?? error.message})`);
  }
}

/**
 * `ledger verify` with --checkpoint or --since: the proofs of src/ledger/offline-verify.ts (through tsx, like
 * `evidence verify`). Prints the verdict's line (--json: the verdict); exit 1 when it fails.
 */
async function verifyLedgerProofs() {
  const { tsImport } = await import("tsx/esm/api");
  const proofs = await tsImport("../src/ledger/offline-verify.ts", import.meta.url);
  const checkpoints = opts.checkpoint ?? [];
  const keysFrom = async (text, where) => {
    const read = await proofs.readVerifierKeys(text);
    if (!read.ok) fail(`${where}: ${read.detail}`);
    return read.keys;
  };
  const givenKeys = async () => {
    const value = need(opts.key, "--key (a verifier key, or a file holding one per line)");
    const isKey = (await proofs.readVerifierKeys(value)).ok;
    return keysFrom(isKey ? value : await readInput(value, "the key file", "utf8"), `--key ${value}`);
  };
  const optional = (name, text) => opts[name] && fail(`--${name} does not go with ${text}; see policy-os --help`);
  let verdict;
  let keySource = "";
  if (opts.since !== undefined) {
    optional("entry", "--since");
    optional("proof", "--since (the proof is fetched)");
    if (checkpoints.length > 0) fail("--since takes the saved checkpoint; drop --checkpoint");
    const saved = await readInput(opts.since, "the saved checkpoint");
    let keys;
    if (opts.key) keys = await givenKeys();
    else {
      keys = await keysFrom(await (await send("GET", "/ledger/key")).text(), "the server's key");
      keySource = " (key from the server; pass --key to pin it)";
    }
    const current = new Uint8Array(await (await send("GET", "/ledger/checkpoint")).arrayBuffer());
    const [was, now] = [await proofs.checkCheckpoint(saved, keys), await proofs.checkCheckpoint(current, keys)];
    let proof;
    const [a, b] = [was.checkpoint, now.checkpoint];
    if (was.ok && now.ok && a.origin === b.origin && a.size > 0 && b.size > a.size) {
      const query = { from: String(a.size), to: String(b.size) };
      proof = await (await send("GET", "/ledger/proof/consistency", { query })).text();
    }
    verdict = await proofs.checkConsistency({ older: saved, newer: current, keys, proof });
  } else if (checkpoints.length === 1) {
    const keys = await givenKeys();
    const checkpoint = await readInput(checkpoints[0], "the checkpoint");
    if (opts.entry === undefined && opts.proof === undefined) verdict = await proofs.checkCheckpoint(checkpoint, keys);
    else
      verdict = await proofs.checkEntryInclusion({
        checkpoint,
        keys,
        entry: await readInput(need(opts.entry, "--entry <entry.json>"), "the entry", "utf8"),
        proof: await readInput(need(opts.proof, "--proof <inclusion.json>"), "the proof", "utf8"),
      });
  } else if (checkpoints.length === 2) {
    optional("entry", "two checkpoints");
    const keys = await givenKeys();
    verdict = await proofs.checkConsistency({
      older: await readInput(checkpoints[0], "the older checkpoint"),
      newer: await readInput(checkpoints[1], "the newer checkpoint"),
      keys,
      proof: opts.proof === undefined ? undefined : await readInput(opts.proof, "the proof", "utf8"),
    });
  } else fail("ledger verify takes one or two --checkpoint files; see policy-os --help");
  if (opts.json) console.log(JSON.stringify(verdict, null, 2));
  else
    console.log(
      verdict.ok ? `${verdict.message}${keySource}` : `LEDGER PROOF FAILED (${verdict.reason}): ${verdict.message}`,
    );
  if (!verdict.ok) process.exitCode = 1;
}

function table(rows, columns) {
  if (rows.length === 0) return console.log("(none)");
  const cells = rows.map((r) => columns.map((c) => String(typeof c[1] === "function" ? c[1](r) : (r[c[1]] ?? ""))));
  const widths = columns.map((c, i) => Math.max(c[0].length, ...cells.map((row) => row[i].length)));
  const line = (values) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(line(columns.map((c) => c[0])));
  for (const row of cells) console.log(line(row));
}

/** Policy rows from a file: an array, or `{ rows }`, or a template's `{ sample_rows }`. */
async function readRows(path) {
  const file = JSON.parse(await readFile(path, "utf8"));
  const rows = Array.isArray(file) ? file : (file.sample_rows ?? file.rows);
  if (!Array.isArray(rows)) fail("the file must hold an array of rows, or { rows: [...] }");
  return rows;
}

/** What setting or rolling back rows did: the candidate, and its release (live, or held and why). */
function showProposal(p) {
  if (!p.release) return console.log(`${p.rows} rows, snapshot ${p.snapshot}: already in force`);
  const { release: r } = p;
  console.log(`${p.rows} rows, snapshot ${p.snapshot}: release ${r.id} ${r.status}`);
  if (r.held_because) console.log(`held because ${r.held_because}; in force: ${p.in_force ?? "none"}`);
  if (p.notion?.rows === "written")
    console.log(
      `Notion Policies rows written back: ${p.notion.updated ?? 0} updated, ${p.notion.created ?? 0} created, ${p.notion.retired ?? 0} retired`,
    );
  else if (p.notion) console.log(`Notion Policies rows not written yet (the next sync writes them): ${p.notion.error}`);
}

/** A release report: golden results, then the replay's changed calls by tool, agent and reason codes. */
function showReport(report) {
  const { golden, replay, changed_rows: rows } = report;
  console.log(
    `rows added ${rows.added.join(", ") || "-"}; removed ${rows.removed.join(", ") || "-"}; changed ${rows.modified.join(", ") || "-"}`,
  );
  table(golden, [
    ["golden task", "name"],
    ["expected", (g) => (g.expected_reason ? `${g.expected} (${g.expected_reason})` : g.expected)],
    ["got", (g) => `${g.got} (${g.reason_code})`],
    ["", (g) => (g.passed ? "passed" : "FAILED")],
  ]);
  console.log(
    `replayed ${replay.calls} calls of the last ${replay.days} days: ${replay.changed} would change, ` +
      `${replay.indeterminate} indeterminate (a condition reads a redacted field)`,
  );
  if (replay.groups.length > 0)
    table(replay.groups, [
      ["tool", "tool"],
      ["agent", "agent"],
      ["from", (g) => `${g.from.decision} (${g.from.reason_code})`],
      ["to", (g) => `${g.to.decision} (${g.to.reason_code})`],
      ["calls", "calls"],
    ]);
}

/** Prints a tenant's OAuth settings (GET /admin/oauth). */
function showOauth(p) {
  console.log(`resource ${p.resource}\nmetadata ${p.resource_metadata}`);
  table(p.authorization_servers, [
    ["issuer", "issuer"],
    ["jwks_uri", (s) => s.jwks_uri ?? "(discovered)"],
    ["algorithms", (s) => s.algorithms.join(",")],
    ["person", (s) => s.person_claim ?? "email, else sub"],
  ]);
  table(p.clients, [
    ["client", "client_id"],
    ["agent", "agent_id"],
  ]);
}

/** `--circuit '{"min_failures":3}'`: the host's own breaker settings, as JSON (the Worker checks the fields). */
function parseCircuit(text) {
  try {
    return JSON.parse(text);
  } catch {
    fail(`--circuit must be JSON, e.g. '{"min_failures":3,"cooldown_ms":10000}'`);
  }
}

/** A host's circuit as the hosts listing shows it: open circuits say until when calls fail fast. */
const circuitCell = (health) =>
  !health ? "" : health.circuit === "open" && health.retry_at ? `open until ${health.retry_at}` : health.circuit;

const show = (payload, human) => (opts.json ? console.log(JSON.stringify(payload, null, 2)) : human(payload));
const [command, sub, ...rest] = positionals;

if (opts.help || !command) {
  console.log(HELP);
  process.exit(command ? 0 : opts.help ? 0 : 2);
}

switch (`${command} ${sub ?? ""}`.trim()) {
  case "tenants":
    show(await api("GET", "/tenants"), (p) =>
      table(p.tenants, [
        ["id", "id"],
        ["name", "name"],
        ["snapshot", "snapshot_hash"],
      ]),
    );
    break;
  case "tenants create":
    show(
      await api("POST", "/tenants", {
        body: {
          id: need(rest[0], "<id>"),
          name: need(opts.name, "--name"),
          demo_hosts: opts["demo-hosts"],
          default_approvers: list(opts.approvers),
        },
      }),
      (p) => console.log(`created tenant ${p.tenant.id}`),
    );
    break;
  case "tenants set":
    show(
      await api("PATCH", `/tenants/${encodeURIComponent(need(rest[0], "<id>"))}`, {
        body: {
          name: opts.name,
          default_approvers: list(opts.approvers),
          approval_ttl_seconds: opts["approval-ttl"] === undefined ? undefined : Number(opts["approval-ttl"]),
          approval_reminder_seconds:
            opts.reminder === undefined ? undefined : opts.reminder === "never" ? null : Number(opts.reminder),
          claude_monthly_cap_cents: numberOpt("claude-cap"),
          digest_weekday: numberOpt("digest-day"),
          digest_hour: numberOpt("digest-hour"),
        },
      }),
      ({ tenant: t }) =>
        console.log(
          `tenant ${t.id}: held calls wait ${t.approvals.ttl_seconds} s; approvers are reminded ${t.approvals.reminder_seconds === null ? "never" : `after ${t.approvals.reminder_seconds} s`}; ` +
            `Claude may cost ${t.claude_monthly_cap_cents} cents a month; the digest is written on ${WEEKDAYS[t.digest.weekday]} at ${String(t.digest.hour).padStart(2, "0")}:00 UTC`,
        ),
    );
    break;
  case "agents":
    show(await api("GET", "/agents"), (p) =>
      table(p.agents, [
        ["id", "id"],
        ["name", "name"],
        ["owner", "owner"],
        ["status", "status"],
        ["tools", (a) => a.allowed_tools.join(",")],
        ["acts for", (a) => (a.acts_for ?? []).join(",")],
        ["workspaces", (a) => (a.workspaces ?? []).join(",")],
      ]),
    );
    break;
  case "agents create":
    show(
      await api("POST", "/agents", {
        body: {
          name: need(rest[0], "<name>"),
          owner: opts.owner,
          scopes: list(opts.scopes),
          allowed_tools: list(opts.tools),
          acts_for: list(opts["acts-for"]),
          workspaces: list(opts.workspaces),
        },
      }),
      (p) => console.log(`created agent ${p.agent.id}\nAPI key (shown once, store it now): ${p.api_key}`),
    );
    break;
  case "agents suspend":
  case "agents activate":
    show(
      await api("PATCH", `/agents/${encodeURIComponent(need(rest[0], "<agent-id>"))}`, {
        body: { status: sub === "suspend" ? "suspended" : "active" },
      }),
      (p) => console.log(`agent ${p.agent_id} is ${p.status}`),
    );
    break;
  case "agents clients": {
    const agent = need(rest[0], "<agent-id>");
    show(
      await api("PUT", `/agents/${encodeURIComponent(agent)}/oauth-clients`, {
        body: { client_ids: list(rest[1]) ?? [] },
      }),
      (p) =>
        console.log(
          p.client_ids.length === 0
            ? `agent ${p.agent_id} takes no access tokens`
            : `access tokens issued to ${p.client_ids.join(", ")} act as agent ${p.agent_id}`,
        ),
    );
    break;
  }
  case "oauth":
    show(await api("GET", "/oauth"), showOauth);
    break;
  case "oauth set-issuer":
  case "oauth remove-issuer": {
    const issuer = need(rest[0], "<issuer-url>");
    const current = await api("GET", "/oauth");
    const others = current.authorization_servers
      .filter((s) => s.issuer !== issuer)
      .map(({ issuer, jwks_uri, algorithms, person_claim }) => ({
        issuer,
        ...(jwks_uri ? { jwks_uri } : {}),
        algorithms,
        ...(person_claim ? { person_claim } : {}),
      }));
    if (sub === "remove-issuer" && others.length === current.authorization_servers.length)
      fail(`the tenant has no authorization server ${issuer}`);
    const added =
      sub === "set-issuer"
        ? [
            {
              issuer,
              jwks_uri: opts["jwks-uri"],
              algorithms: list(opts.algorithms),
              person_claim: opts["person-claim"],
            },
          ]
        : [];
    show(await api("PUT", "/oauth", { body: { authorization_servers: [...others, ...added] } }), showOauth);
    break;
  }
  case "agents set":
    show(
      await api("PATCH", `/agents/${encodeURIComponent(need(rest[0], "<agent-id>"))}`, {
        body: { acts_for: setList(opts["acts-for"]), workspaces: setList(opts.workspaces) },
      }),
      (p) =>
        console.log(
          `agent ${p.agent_id} acts for ${p.acts_for.join(", ") || "its owner only"}; ` +
            `workspaces: ${p.workspaces.join(", ") || "none"}`,
        ),
    );
    break;
  case "runs start":
    show(
      await api("POST", "/runs", {
        body: {
          agent_id: need(rest[0], "<agent-id>"),
          ttl_seconds: opts.ttl === undefined ? undefined : Number(opts.ttl),
        },
      }),
      (p) => console.log(`run ${p.run_id} for ${p.agent_id}, valid until ${p.expires_at}`),
    );
    break;
  case "keys issue":
    show(await api("POST", `/agents/${encodeURIComponent(need(rest[0], "<agent-id>"))}/keys`), (p) =>
      console.log(`API key for ${p.agent_id} (shown once, store it now): ${p.api_key}`),
    );
    break;
  case "keys revoke": {
    const value = need(rest[0], "<key-or-prefix>");
    const body = value.length > 16 ? { key: value } : { prefix: value };
    show(await api("POST", "/keys/revoke", { body }), (p) => console.log(`revoked ${p.revoked} key(s)`));
    break;
  }
  case "policies":
    show(await api("GET", "/policies"), (p) => {
      console.log(`snapshot ${p.snapshot ?? "(none)"}`);
      table(p.rows, [
        ["id", "Policy ID"],
        ["name", "Name"],
        ["type", "Type"],
        ["mode", "Mode"],
        ["status", "Status"],
        ["tools", "Tools"],
      ]);
    });
    break;
  case "policies set": {
    const rows = await readRows(need(rest[0], "<rows.json>"));
    show(await api("PUT", "/policies", { body: { rows } }), showProposal);
    break;
  }
  case "policies rollback":
    show(await api("POST", "/policies/rollback", { body: { snapshot: need(rest[0], "<snapshot>") } }), showProposal);
    break;
  case "releases":
    show(await api("GET", "/releases", { query: { limit: opts.limit } }), (p) =>
      table(p.releases, [
        ["release", "id"],
        ["status", "status"],
        ["snapshot", (r) => `${r.snapshot.slice(0, 19)}…`],
        ["golden", (r) => `${r.golden.passed} passed, ${r.golden.failed} failed`],
        ["replayed", (r) => r.replay.calls],
        ["changed", (r) => r.replay.changed],
        ["indeterminate", (r) => r.replay.indeterminate],
        ["created", "created_at"],
      ]),
    );
    break;
  case "releases show":
    show(await api("GET", `/releases/${encodeURIComponent(need(rest[0], "<release-id>"))}`), (r) => {
      console.log(`release ${r.id}: ${r.status} (from ${r.source}), snapshot ${r.snapshot}`);
      if (r.held_because) console.log(`held because ${r.held_because}`);
      if (r.decided_by) console.log(`accepted by ${r.decided_by}: ${r.decided_reason}`);
      showReport(r.report);
    });
    break;
  case "releases accept":
    show(
      await api("POST", `/releases/${encodeURIComponent(need(rest[0], "<release-id>"))}/accept`, {
        body: { by: need(opts.as, "--as <person>"), reason: need(opts.reason, '--reason "…"') },
      }),
      (r) => console.log(`release ${r.id} accepted by ${r.decided_by}: snapshot ${r.snapshot} is in force`),
    );
    break;
  case "release check": {
    const body = opts.rows ? { rows: await readRows(opts.rows) } : {};
    const p = await api("POST", "/releases/check", { body });
    show(p, () => {
      console.log(`candidate ${p.snapshot} (in force: ${p.in_force ?? "none"}): would be ${p.status}`);
      if (p.because) console.log(`because ${p.because}`);
      showReport(p.report);
    });
    if (p.report?.golden?.some((result) => !result.passed)) process.exitCode = 1;
    else if (p.status === "held") process.exitCode = 3;
    break;
  }
  case "release settings": {
    const given = ["retention-days", "replay-days", "threshold"].some((name) => opts[name] !== undefined);
    const current = await api("GET", "/release-settings");
    const settings = given
      ? await api("PUT", "/release-settings", {
          body: {
            retention_days: Number(opts["retention-days"] ?? current.retention_days),
            replay_days: Number(opts["replay-days"] ?? current.replay_days),
            threshold_pct: Number(opts.threshold ?? current.threshold_pct),
          },
        })
      : current;
    show(settings, (p) =>
      console.log(
        `decision inputs kept ${p.retention_days} days; candidates replay ${p.replay_days} days and are held ` +
          `past ${p.threshold_pct}% changed`,
      ),
    );
    break;
  }
  case "golden":
    show(await api("GET", "/golden-tasks"), (p) =>
      table(p.golden_tasks, [
        ["name", "name"],
        ["tool", "tool"],
        ["agent", "agent"],
        ["expected", (t) => (t.expected_reason ? `${t.expected} (${t.expected_reason})` : t.expected)],
        ["status", "status"],
        [
          "last result",
          (t) => (t.last_result ? `${t.last_result.passed ? "passed" : "FAILED"}: ${t.last_result.got}` : ""),
        ],
      ]),
    );
    break;
  case "golden set": {
    const file = JSON.parse(await readFile(need(rest[0], "<task.json>"), "utf8"));
    const tasks = Array.isArray(file) ? file : [file];
    for (const task of tasks)
      show(await api("PUT", "/golden-tasks", { body: task }), (p) =>
        console.log(`golden task "${p.golden_task.name}" set`),
      );
    break;
  }
  case "golden remove":
    show(await api("DELETE", `/golden-tasks/${encodeURIComponent(need(rest[0], "<name>"))}`), (p) =>
      console.log(`removed golden task "${p.deleted}"`),
    );
    break;
  case "hosts":
    show(await api("GET", "/hosts"), (p) => {
      table(p.hosts ?? [], [
        ["host", "id"],
        ["kind", "kind"],
        ["circuit", (h) => circuitCell(h.health)],
        ["calls", (h) => h.health?.calls_in_window ?? ""],
        ["errors", (h) => (h.health?.error_rate == null ? "-" : `${Math.round(h.health.error_rate * 100)}%`)],
        ["p50", (h) => (h.health?.p50_ms == null ? "-" : `${h.health.p50_ms} ms`)],
        ["p95", (h) => (h.health?.p95_ms == null ? "-" : `${h.health.p95_ms} ms`)],
        ["last success", (h) => h.health?.last_success_at ?? "never"],
      ]);
      console.log("");
      table(p.tools, [
        ["tool", "name"],
        ["version", "version"],
        ["demo", (t) => (t.demo ? "demo host" : "")],
      ]);
    });
    break;
  case "hosts add":
    show(
      await api("POST", "/hosts", {
        body: {
          id: need(rest[0], "<namespace>"),
          url: need(rest[1], "<url>"),
          auth_secret: opts["auth-secret"],
          auth_header: opts["auth-header"],
          timeout_ms: opts["timeout-ms"] ? Number(opts["timeout-ms"]) : undefined,
          circuit: opts.circuit ? parseCircuit(opts.circuit) : undefined,
        },
      }),
      (p) => console.log(`registered host ${rest[0]}: ${(p.tools ?? []).length} tools`),
    );
    break;
  case "hosts remove":
    show(await api("DELETE", `/hosts/${encodeURIComponent(need(rest[0], "<namespace>"))}`), (p) =>
      console.log(`removed ${p.removed}`),
    );
    break;
  case "incidents":
    show(await api("GET", "/incidents", { query: { limit: opts.limit } }), (p) => {
      console.log(`${p.open ?? 0} open`);
      table(p.incidents ?? [], [
        ["incident", "id"],
        ["status", "status"],
        ["since", "opened_at"],
        ["resolved", (i) => i.resolved_at ?? (i.clear_since ? `clear since ${i.clear_since}` : "")],
        ["what", "title"],
      ]);
    });
    break;
  case "incidents show":
    show(await api("GET", `/incidents/${encodeURIComponent(need(rest[0], "<incident-id>"))}`), ({ incident }) => {
      if (!incident) return console.log("no such incident");
      console.log(`${incident.title}\n${incident.status}, since ${incident.opened_at}, cause ${incident.cause}`);
      if (incident.resolved_at) console.log(`resolved at ${incident.resolved_at}`);
      console.log(`tools: ${incident.tools.join(", ") || "-"}\nagents: ${incident.agents.join(", ") || "-"}`);
      for (const [name, value] of Object.entries(incident.figures)) console.log(`  ${name}: ${value ?? "-"}`);
      if (incident.summary) console.log(`Summary (Claude): ${incident.summary}`);
      if (incident.notion_page_id) console.log(`Notion page ${incident.notion_page_id}`);
    });
    break;
  case "channels":
    show(await api("GET", "/channels"), (p) =>
      table(p.channels, [
        ["channel", "name"],
        ["kind", "kind"],
        ["where", (c) => c.url ?? (c.url_secret ? `URL in ${c.url_secret}` : "the event's Notion page")],
        ["signed with", (c) => c.secret ?? ""],
        ["default", (c) => (c.default ? "yes" : "")],
      ]),
    );
    break;
  case "channels add": {
    const kind = need(rest[1], "<kind: webhook, slack or notion_comment>");
    const body = { name: need(rest[0], "<name>"), kind, default: opts.default ?? false };
    if (kind === "webhook") Object.assign(body, { url: need(rest[2], "<https-url>"), secret: opts.secret });
    if (kind === "slack") body.url_secret = opts["url-secret"];
    show(await api("POST", "/channels", { body }), (p) =>
      console.log(`added ${p.channel.kind} channel ${p.channel.name}`),
    );
    break;
  }
  case "channels remove":
    show(await api("DELETE", `/channels/${encodeURIComponent(need(rest[0], "<name>"))}`), (p) =>
      console.log(`removed ${p.removed}`),
    );
    break;
  case "notifications":
    show(await api("GET", "/notifications", { query: { status: opts.status, limit: opts.limit } }), (p) =>
      table(p.notifications, [
        ["time", "created_at"],
        ["event", "event_id"],
        ["kind", "kind"],
        ["channel", "channel"],
        ["status", "status"],
        ["attempts", "attempts"],
        ["last error", (n) => n.last_error ?? ""],
      ]),
    );
    break;
  case "escalations":
    show(await api("GET", "/escalations", { query: { status: opts.status, limit: opts.limit } }), (p) =>
      table(p.escalations, [
        ["id", "id"],
        ["status", "status"],
        ["tool", "tool"],
        ["agent", "agent_id"],
        ["reason", "reason_code"],
        ["expires", "expires_at"],
      ]),
    );
    break;
  case "approvals decide": {
    const escalation = need(rest[0], "<escalation-id>");
    const request = decisionRequest(opts);
    if (request.error) fail(`${request.error}; see policy-os --help`);
    const answer = await api("POST", `/escalations/${encodeURIComponent(escalation)}/decision`, {
      body: request.body,
    });
    show(answer, (p) => console.log(decisionLine(p)));
    break;
  }
  case "audit":
    show(
      await api("GET", "/audit", {
        query: { tool: opts.tool, outcome: opts.outcome, agent: opts.agent, limit: opts.limit },
      }),
      (p) =>
        table(p.rows, [
          ["time", "created_at"],
          ["tool", "tool"],
          ["outcome", (r) => (r.break_glass ? `${r.outcome} (break-glass: ${r.break_glass.decided_by})` : r.outcome)],
          ["reason", "reason_code"],
          ["agent", "agent_id"],
          ["ms", "total_ms"],
          ["invocation", "invocation_id"],
        ]),
    );
    break;
  case "audit reads":
    show(
      await api("GET", "/audit/reads", {
        query: { method: opts.method, outcome: opts.outcome, agent: opts.agent, limit: opts.limit },
      }),
      (p) =>
        table(p.reads, [
          ["time", "created_at"],
          ["method", "method"],
          ["what", "target"],
          ["outcome", (r) => (r.reason ? `${r.outcome} (${r.reason})` : r.outcome)],
          ["host", (r) => r.host_ref ?? ""],
          ["agent", "agent_id"],
        ]),
    );
    break;
  case "ledger":
    show(await api("GET", "/ledger", { query: { after_seq: opts.after, limit: opts.limit } }), (p) => {
      console.log(`head: ${p.head.entries} entries, seq ${p.head.seq}, hash ${p.head.hash}`);
      table(p.entries, [
        ["seq", "seq"],
        ["kind", "kind"],
        ["invocation", "invocation_id"],
        ["at", "at"],
        ["hash", (e) => e.hash.slice(0, 16)],
      ]);
    });
    break;
  case "ledger checkpoint": {
    const note = await (await send("GET", "/ledger/checkpoint")).text();
    if (opts.out) {
      await writeFile(opts.out, note);
      console.error(`checkpoint saved to ${opts.out}: ${note.split("\n", 2).join(" at ")} entries`);
    } else process.stdout.write(note);
    break;
  }
  case "ledger key":
    process.stdout.write(await (await send("GET", "/ledger/key")).text());
    break;
  case "ledger verify":
    if ([opts.checkpoint, opts.since, opts.key, opts.entry, opts.proof].some((o) => o !== undefined)) {
      await verifyLedgerProofs();
      break;
    }
    show(await api("GET", "/ledger/verify"), (p) => {
      console.log(
        p.ok
          ? `ledger verified: ${p.entries} entries, chain intact`
          : `LEDGER BROKEN at seq ${p.first_bad_seq} (${p.entries} entries)`,
      );
      if (p.pending_outcomes)
        console.log(`${p.pending_outcomes} outcome entries wait in the outbox; the cron appends them`);
      if (!p.ok) process.exitCode = 1;
    });
    break;
  case "evidence": {
    const res = await send("GET", "/evidence", {
      query: { tag: need(opts.tag, "--tag"), from: opts.from, to: opts.to },
    });
    const out = opts.out ? createWriteStream(opts.out) : process.stdout;
    await checkEvidence(Readable.fromWeb(res.body), out);
    if (opts.out) await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
    break;
  }
  case "evidence verify":
    await checkEvidence(createReadStream(need(rest[0], "<file.jsonl>")));
    break;
  case "export": {
    const dir = resolve(opts.out ?? "policy-os-artifacts");
    const { tenant, artifacts } = await api("GET", "/artifacts");
    await mkdir(dir, { recursive: true });
    const files = [];
    for (const name of artifacts) {
      const file = join(dir, name);
      await writeFile(file, await (await send("GET", `/artifacts/${encodeURIComponent(name)}`)).text());
      files.push(file);
    }
    show({ tenant, files }, () => files.forEach((file) => console.log(file)));
    break;
  }
  case "digest":
    show(await api("POST", "/digest", { body: opts.week ? { week: opts.week } : {} }), ({ digest: d }) =>
      console.log(
        `digest of the week of ${d.week_start} ${d.page.status} (narrative by ${d.written_by}): ` +
          `${d.figures.calls.total} calls, ${d.figures.calls.by_decision.denied} denied, ${d.figures.approvals.held} held; ` +
          `ledger seq ${d.figures.ledger.seq}, head ${d.figures.ledger.hash.slice(0, 16)}…; page ${d.page.page_id}`,
      ),
    );
    break;
  case "claude":
    show(await api("GET", "/claude", { query: { limit: opts.limit } }), (p) => {
      console.log(`Claude this month: $${p.month.spent_usd.toFixed(4)} of $${p.month.cap_usd.toFixed(2)}`);
      table(p.calls, [
        ["time", "created_at"],
        ["purpose", "purpose"],
        ["subject", "subject"],
        ["outcome", "outcome"],
        ["tokens in", "input_tokens"],
        ["tokens out", "output_tokens"],
        ["$", (c) => (c.cost_microusd / 1e6).toFixed(4)],
      ]);
    });
    break;
  default:
    fail(`unknown command "${positionals.join(" ")}"; see policy-os --help`);
}
