import { isFullDataSource, type Client } from "@notionhq/client";
import { pageProperties, richText } from "./page-properties";
import { notionPeople } from "./people";
import { TEMPLATES, notionProperties, type DatabaseTemplate } from "./templates";

/** One database after setup. */
export interface SetUpDatabase {
  title: string;
  /** The key a tenant's connection names the database by (PUT /admin/notion `data_sources`). */
  key: string;
  database_id: string;
  data_source_id: string;
  created: boolean;
  sample_rows_added: number;
}

/** What setting up Notion needs. */
export interface SetupOptions {
  /** The page the integration can see, under which the databases live. */
  parent_page_id: string;
  /** Add the templates' sample rows that are not there yet. */
  samples: boolean;
  /** Progress, one line per step. */
  log: (line: string) => void;
}

/**
 * Creates the Policy OS databases under a page, or finds the ones already there by title: running it again
 * changes nothing. Relations are created after their targets. Sample rows are added only when missing (matched
 * by title), so setup never duplicates a row.
 */
export async function setupNotion(client: Client, options: SetupOptions): Promise<SetUpDatabase[]> {
  const dataSourceIds: Record<string, string> = {};
  const people = options.samples ? await notionPeople(client) : new Map<string, string>();
  const done: SetUpDatabase[] = [];
  for (const [index, template] of TEMPLATES.entries()) {
    const step = `[${index + 1}/${TEMPLATES.length}] ${template.title}`;
    const existing = await findDatabase(client, template.title, options.parent_page_id);
    let database: Omit<SetUpDatabase, "key" | "sample_rows_added">;
    if (existing) {
      database = { ...existing, title: template.title, created: false };
      options.log(`${step}: found (data source ${existing.data_source_id})`);
    } else {
      database = { ...(await createDatabase(client, template, options.parent_page_id, dataSourceIds)), created: true };
      options.log(`${step}: created (data source ${database.data_source_id})`);
    }
    dataSourceIds[template.title] = database.data_source_id;
    let added = 0;
    if (options.samples && template.sample_rows.length > 0) {
      added = await addMissingRows(client, template, database.data_source_id, people, options.log);
      options.log(`${step}: ${added} sample row(s) added, ${template.sample_rows.length - added} already there`);
    }
    done.push({ ...database, key: connectionKey(template.title), sample_rows_added: added });
  }
  return done;
}

async function findDatabase(client: Client, title: string, parent_page_id: string) {
  let cursor: string | undefined;
  do {
    const page = await client.search({
      query: title,
      filter: { property: "object", value: "data_source" },
      start_cursor: cursor,
      page_size: 100,
    });
    for (const result of page.results) {
      if (!isFullDataSource(result) || result.in_trash) continue;
      const name = result.title.map((t) => t.plain_text).join("");
      const parent = result.database_parent;
      if (name !== title || parent.type !== "page_id" || !sameId(parent.page_id, parent_page_id)) continue;
      if (result.parent.type !== "database_id") continue;
      return { database_id: result.parent.database_id, data_source_id: result.id, title };
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return null;
}

async function createDatabase(
  client: Client,
  template: DatabaseTemplate,
  parent_page_id: string,
  dataSourceIds: Record<string, string>,
) {
  const created = await client.databases.create({
    parent: { type: "page_id", page_id: parent_page_id },
    title: richText(template.title),
    description: richText(template.description),
    initial_data_source: { properties: notionProperties(template, dataSourceIds) },
  });
  const dataSource = "data_sources" in created ? created.data_sources[0] : undefined;
  if (!dataSource) throw new Error(`Notion created ${template.title} without a data source`);
  return { title: template.title, database_id: created.id, data_source_id: dataSource.id };
}

async function addMissingRows(
  client: Client,
  template: DatabaseTemplate,
  data_source_id: string,
  people: ReadonlyMap<string, string>,
  log: (line: string) => void,
): Promise<number> {
  const titleProperty = Object.entries(template.properties).find(([, p]) => p.type === "title")![0];
  const titles = template.sample_rows.map((row) => String(row[titleProperty] ?? ""));
  const present = await existingTitles(client, data_source_id, titleProperty, titles);
  let added = 0;
  for (const [index, row] of template.sample_rows.entries()) {
    const title = titles[index]!;
    if (present.has(title)) continue;
    const { properties, unknownPeople } = pageProperties(template, row, people);
    if (unknownPeople.length > 0)
      log(`  ${template.title} "${title}": no Notion user named ${unknownPeople.join(", ")}; left empty`);
    await client.pages.create({ parent: { type: "data_source_id", data_source_id }, properties });
    present.add(title);
    added++;
  }
  return added;
}

/** Which of `titles` the rows already carry: one query per 100 titles (Notion caps request arrays at 100). */
async function existingTitles(
  client: Client,
  data_source_id: string,
  titleProperty: string,
  titles: readonly string[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (let start = 0; start < titles.length; start += 100) {
    const filter = {
      or: titles.slice(start, start + 100).map((title) => ({ property: titleProperty, title: { equals: title } })),
    };
    let cursor: string | undefined;
    do {
      const page = await client.dataSources.query({ data_source_id, filter, start_cursor: cursor, page_size: 100 });
      for (const result of page.results) {
        const value = "properties" in result ? result.properties[titleProperty] : undefined;
        if (value?.type === "title") present.add(value.title.map((part) => part.plain_text).join(""));
      }
      cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
    } while (cursor);
  }
  return present;
}

/** The key a connection names a database by: its title in lower case, spaces as `_` ("Golden tasks" → golden_tasks). */
export function connectionKey(title: string): string {
  return title.toLowerCase().replaceAll(" ", "_");
}

function sameId(a: string, b: string): boolean {
  return a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();
}
