import { agentGovernanceStatement } from "../../db/notion-sync";
import type { Agent } from "../../db/tenancy";
import { appliedOf, type Applied, type Changes, type Verdict } from "./changes";
import { textOf, type PersonValue, type RowValue } from "./row-values";
import { toolPatterns } from "./tool-patterns";

const STATUSES: Record<string, Agent["status"]> = { Active: "active", Suspended: "suspended" };

/**
 * Applies changed Agents rows (name, owner, status, scopes, allowed tools, whom it acts for, its workspaces) to the
 * agents they name by `Agent ID` (agents and their keys are created through
 * the admin API; Notion governs them). Suspending takes effect on the agent's next call. A row that names no
 * agent of this tenant, or holds a value Policy OS cannot use, changes nothing and says why. A deleted row
 * leaves its agent as it was.
 */
export function syncAgents(db: D1Database, agents: readonly Agent[], changes: Changes): Applied {
  const byId = new Map(agents.map((agent) => [agent.id, agent]));
  const verdicts = new Map<string, Verdict>();
  const statements: D1PreparedStatement[] = [];
  const claimed = new Map<string, string>();
  for (const [page_id, row] of changes.stored)
    if (row.value && !changes.removed.includes(page_id)) claimed.set(textOf(row.value["Agent ID"]).trim(), page_id);

  for (const row of changes.changed) {
    const id = textOf(row.values["Agent ID"]).trim();
    const agent = byId.get(id);
    const holder = claimed.get(id);
    const name = textOf(row.values.Name).trim();
    const status = STATUSES[textOf(row.values.Status).trim()];
    const allowed = toolPatterns("Allowed tools", textOf(row.values["Allowed tools"]), ["*"]);
    let reason: string | null = null;
    if (!id) reason = "Agent ID: is empty; copy the agt_… id from `npx policy-os agents`";
    else if (!agent)
      reason = `Agent ID: "${id}" is not an agent of this workspace; create it with \`npx policy-os agents create\``;
    else if (holder && holder !== row.page_id) reason = `Agent ID: "${id}" is already governed by another row`;
    else if (!name) reason = "Name: is empty; give the agent a name";
    else if (!status) reason = `Status: "${textOf(row.values.Status)}" is not one of Active, Suspended`;
    else if (!allowed.ok) reason = allowed.reason;
    if (reason !== null || !agent || !status || !allowed.ok) {
      verdicts.set(row.page_id, { ok: false, reason: reason ?? "invalid row" });
      continue;
    }
    claimed.set(id, row.page_id);
    const scopes = Array.isArray(row.values.Scopes) ? (row.values.Scopes as string[]) : [];
    const owner = ownerOf(row.values.Owner, agent.owner);
    statements.push(
      agentGovernanceStatement(db, changes.tenant_id, id, {
        name,
        owner,
        status,
        scopes,
        allowed_tools: allowed.patterns,
        // A database made before these properties existed governs neither: the agent keeps what the admin API set.
        acts_for: "Acts for" in row.values ? peopleOf(row.values["Acts for"], agent.acts_for) : agent.acts_for,
        workspaces: Array.isArray(row.values.Workspaces) ? (row.values.Workspaces as string[]) : agent.workspaces,
      }),
    );
    verdicts.set(row.page_id, {
      ok: true,
      status: status === "suspended" ? "ok · Suspended: every call is refused (agent_suspended)" : "ok · Active",
    });
  }
  return appliedOf(changes, verdicts, statements);
}

/**
 * The owner to store: the current one while it still names the same person (by email, email handle or name),
 * so the names policies use keep working; else the person's email, or their name when Notion shows no email.
 */
export function ownerOf(value: RowValue | undefined, current: string | null): string | null {
  const person = Array.isArray(value) ? (value[0] as PersonValue | undefined) : undefined;
  if (!person || typeof person !== "object") return current;
  return nameOf(person, current ? [current] : []) ?? current;
}

/**
 * The people of an `Acts for` value, each named as {@link ownerOf} names the owner: by the name already stored for
 * them when there is one, else by email or name. People Notion names neither way are left out.
 */
export function peopleOf(value: RowValue | undefined, current: readonly string[]): string[] {
  const people = Array.isArray(value) ? value.filter((item): item is PersonValue => typeof item === "object") : [];
  const names = people.map((person) => nameOf(person, current)).filter((name): name is string => name !== null);
  return [...new Set(names)];
}

/** The name to store for `person`: one of `current` that names them (email, email handle or name), else theirs. */
function nameOf(person: PersonValue, current: readonly string[]): string | null {
  const names = [person.email, person.email?.split("@")[0], person.name].filter(Boolean);
  return current.find((name) => names.includes(name)) ?? person.email ?? person.name ?? null;
}
