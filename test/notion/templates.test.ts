import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEMO_AGENT_ID } from "../../src/admin/seed";
import { createHostRegistry, enableDemoHosts } from "../../src/hosts";
import { INCIDENT_KINDS } from "../../src/incidents/types";
import { KIND_NAMES } from "../../src/notion/incidents/incident-page";
import { notionProperties, TEMPLATES, type DatabaseTemplate } from "../../src/notion/templates";
import { matchesGlob } from "../../src/policy/glob";

const template = (title: string) => TEMPLATES.find((t) => t.title === title)!;
const idsFor = (t: DatabaseTemplate) =>
  Object.fromEntries(
    TEMPLATES.map((other) => [other.title, `ds_${other.title.toLowerCase()}`]).filter(([name]) => name !== t.title),
  );

/** Whether a sample value fits the property it is written to, as Notion would accept it. */
function fits(property: DatabaseTemplate["properties"][string], value: unknown): boolean {
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
  switch (property.type) {
    case "title":
    case "rich_text":
      return typeof value === "string" && value.length <= 2000;
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "checkbox":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    case "select":
      return typeof value === "string" && property.options.includes(value);
    case "multi_select":
      return strings(value) && value.every((v) => property.options.includes(v));
    case "people":
    case "relation":
      return strings(value);
  }
}

describe("the Notion database templates", () => {
  it("define the nine databases, each relation's target before the database pointing at it", () => {
    const titles = TEMPLATES.map((t) => t.title);
    expect([...titles].sort()).toEqual([
      "Agents",
      "Approvals",
      "Digests",
      "Golden tasks",
      "Incidents",
      "Policies",
      "Releases",
      "Runbooks",
      "Tools",
    ]);
    TEMPLATES.forEach((t, index) => {
      for (const property of Object.values(t.properties))
        if (property.type === "relation") expect(titles.indexOf(property.database)).toBeLessThan(index);
    });
  });

  it.each(TEMPLATES.map((t) => [t.title, t] as const))(
    "%s: sample rows use only its columns, with fitting values",
    (_, t) => {
      for (const row of t.sample_rows) {
        for (const [name, value] of Object.entries(row)) {
          expect(t.properties, `${t.title} has no column "${name}"`).toHaveProperty([name]);
          expect(fits(t.properties[name]!, value), `${t.title}.${name} = ${JSON.stringify(value)}`).toBe(true);
        }
      }
    },
  );

  it("give Approvals the decisions people choose from and Policy OS writes", () => {
    const decision = template("Approvals").properties["Decision"];
    expect(decision).toMatchObject({
      type: "select",
      options: ["Pending", "Approved", "Denied", "Expired", "Executed", "Cancelled"],
    });
  });

  it("list in Tools exactly the demo hosts' tools", async () => {
    const tenant = `tpl${Date.now().toString(36)}`;
    await enableDemoHosts(env.DB, tenant);
    const catalog = await createHostRegistry({ db: env.DB, secrets: {} }).catalog(tenant);
    const names = template("Tools").sample_rows.map((row) => row["Name"]);
    expect(names.sort()).toEqual(catalog.map((tool) => tool.name).sort());
  });

  it("describe in Agents the demo agent npm start seeds", () => {
    expect(template("Agents").sample_rows).toEqual([
      expect.objectContaining({ "Agent ID": DEMO_AGENT_ID, Owner: ["requester"], Status: "Active" }),
    ]);
  });

  it("give every sample runbook at least one demo tool", () => {
    const tools = template("Tools").sample_rows.map((row) => String(row["Name"]));
    for (const runbook of template("Runbooks").sample_rows) {
      const patterns = String(runbook["Tools"])
        .split(",")
        .map((p) => p.trim());
      expect(
        tools.some((tool) => patterns.some((p) => matchesGlob(p, tool))),
        String(runbook["Name"]),
      ).toBe(true);
    }
  });

  it("give every sample runbook the sections an incident points operators to: Recovery, Operator lanes, Rollback", () => {
    for (const runbook of template("Runbooks").sample_rows)
      for (const section of ["Recovery", "Operator lanes", "Rollback"]) {
        expect(template("Runbooks").properties[section]?.type).toBe("rich_text");
        expect(String(runbook[section] ?? "").trim(), `${String(runbook["Name"])}: ${section}`).not.toBe("");
      }
  });

  it("give Incidents a Kind for every kind of incident, a Status, and a Runbook relation", () => {
    const incidents = template("Incidents").properties;
    expect(incidents["Kind"]).toMatchObject({ type: "select", options: Object.values(KIND_NAMES) });
    expect(incidents["Status"]).toMatchObject({ type: "select", options: ["Open", "Resolved"] });
    expect(incidents["Runbook"]).toMatchObject({ type: "relation", database: "Runbooks" });
    expect(Object.keys(KIND_NAMES).sort()).toEqual([...INCIDENT_KINDS].sort());
  });

  it("give Tools a Host health column apart from Policy state", () => {
    expect(template("Tools").properties["Host health"]).toMatchObject({ type: "rich_text" });
    expect(template("Tools").properties["Policy state"]).toMatchObject({ type: "rich_text" });
  });
});

describe("creating a database from a template", () => {
  it("configures each column as Notion expects, with its description and select options", () => {
    const properties = notionProperties(template("Approvals"), idsFor(template("Approvals")));
    expect(properties["Request"]).toEqual({ type: "title", title: {}, description: expect.any(String) });
    expect(properties["Decision"]).toMatchObject({
      type: "select",
      select: {
        options: [
          { name: "Pending" },
          { name: "Approved" },
          { name: "Denied" },
          { name: "Expired" },
          { name: "Executed" },
          { name: "Cancelled" },
        ],
      },
    });
    expect(properties["Policy"]).toMatchObject({
      type: "relation",
      relation: { data_source_id: "ds_policies", type: "single_property", single_property: {} },
    });
  });

  it("refuses to configure a relation whose target database does not exist yet", () => {
    expect(() => notionProperties(template("Approvals"), {})).toThrow(
      /needs the (Agents|Policies) database to exist first/,
    );
  });
});
