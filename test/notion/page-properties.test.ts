import { describe, expect, it } from "vitest";
import { MAX_TEXT_OBJECT, pageProperties, richText } from "../../src/notion/page-properties";
import { TEMPLATES } from "../../src/notion/templates";

const runbooks = TEMPLATES.find((t) => t.title === "Runbooks")!;
const tools = TEMPLATES.find((t) => t.title === "Tools")!;
const people = new Map([["manager", "user-manager"]]);

describe("writing template rows as Notion page properties", () => {
  it("splits text longer than Notion's 2,000-character limit into several text objects", () => {
    const parts = richText("x".repeat(4500));
    expect(parts.map((p) => p.text.content.length)).toEqual([MAX_TEXT_OBJECT, MAX_TEXT_OBJECT, 500]);
    expect(richText("")).toEqual([]);
  });

  it("writes titles, text, selects and numbers in Notion's shapes", () => {
    const { properties } = pageProperties(
      tools,
      { Name: "payments.create_refund", Host: "payments", Risk: "High", Cost: 0 },
      people,
    );
    expect(properties).toEqual({
      Name: { title: [{ type: "text", text: { content: "payments.create_refund" } }] },
      Host: { select: { name: "payments" } },
      Risk: { select: { name: "High" } },
      Cost: { number: 0 },
    });
  });

  it("resolves people by name and reports the names it cannot resolve instead of guessing", () => {
    const { properties, unknownPeople } = pageProperties(runbooks, { Name: "r", Owner: ["manager", "nobody"] }, people);
    expect(properties["Owner"]).toEqual({ people: [{ id: "user-manager" }] });
    expect(unknownPeople).toEqual(["nobody"]);
  });

  it("ignores values for columns the template does not have", () => {
    const { properties } = pageProperties(runbooks, { Name: "r", Bogus: "x" }, people);
    expect(Object.keys(properties)).toEqual(["Name"]);
  });
});
