/**
 * resources/list, resources/templates/list and resources/read for either protocol era: the runbooks that concern the
 * agent's tools, then its upstream hosts' resources federated as `policy-os://hosts/<ns>/<uri>` and named
 * `<ns>.<name>`, listed by the rule in features.ts. Every read is recorded in `feature_reads`.
 */
import { UriTemplate } from "@modelcontextprotocol/sdk/shared/uriTemplate.js";
import type {
  ListResourcesResult,
  ListResourceTemplatesResult,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
} from "@modelcontextprotocol/sdk/types.js";
import { allPages, federatedUri, upstreamUriOf, type UpstreamConnection } from "../hosts";
import { recordable } from "../pipeline/run";
import {
  INTERNAL_ERROR,
  MAX_LIST_PAGES,
  mayList,
  RESOURCE_NOT_FOUND,
  visibleTools,
  type FeatureAnswer,
  type FeatureContext,
} from "./features";
import { RUNBOOK_URI_PREFIX, runbookContents, runbookResource, runbooksInView } from "./runbook-resources";

/** The runbooks and upstream resources the agent may see, in one page. */
export async function listResources(ctx: FeatureContext): Promise<ListResourcesResult> {
  const runbooks = (await runbooksFor(ctx)).map(runbookResource);
  const hosted = await eachHost(ctx, async (ns, upstream) =>
    (await allResources(upstream))
      .filter((resource) => mayList(ctx.principal, ns, resource.name))
      .map((resource): Resource => ({
        ...resource,
        uri: federatedUri(ns, resource.uri),
        name: `${ns}.${resource.name}`,
      })),
  );
  return { resources: [...runbooks, ...hosted] };
}

/** The upstream resource templates the agent may see, in one page. */
export async function listResourceTemplates(ctx: FeatureContext): Promise<ListResourceTemplatesResult> {
  const templates = await eachHost(ctx, async (ns, upstream) =>
    (await allTemplates(upstream))
      .filter((template) => mayList(ctx.principal, ns, template.name))
      .map((template): ResourceTemplate => ({
        ...template,
        uriTemplate: federatedUri(ns, template.uriTemplate),
        name: `${ns}.${template.name}`,
      })),
  );
  return { resourceTemplates: templates };
}

/**
 * A runbook's text, or an upstream resource read from its host when the agent would see it listed (or a template it
 * sees matches it). Anything else is `resource not found`, whatever the reason. Recorded either way.
 */
export async function readResource(ctx: FeatureContext, uri: string): Promise<FeatureAnswer<ReadResourceResult>> {
  const answer = await read(ctx, uri);
  ctx.features.recordRead({
    tenant_id: ctx.principal.tenant.id,
    agent_id: ctx.principal.agent.id,
    method: "resources/read",
    target: recordable(uri),
    host_ref: answer.host_ref,
    outcome: answer.ok ? "read" : answer.error.code === RESOURCE_NOT_FOUND ? "refused" : "failed",
    reason: answer.ok ? null : recordable(answer.error.message),
    client_id: ctx.client_id === null ? null : recordable(ctx.client_id),
  });
  return answer.ok ? { ok: true, result: answer.result } : { ok: false, error: answer.error };
}

type Read = FeatureAnswer<ReadResourceResult> & { host_ref: string | null };

async function read(ctx: FeatureContext, uri: string): Promise<Read> {
  const notFound = (host_ref: string | null = null): Read => ({
    ok: false,
    error: { code: RESOURCE_NOT_FOUND, message: `Resource ${uri} not found` },
    host_ref,
  });
  if (uri.startsWith(RUNBOOK_URI_PREFIX)) {
    const page_id = uri.slice(RUNBOOK_URI_PREFIX.length);
    const shown = (await runbooksFor(ctx)).find((view) => view.runbook.page_id === page_id);
    return shown ? { ok: true, result: { contents: [runbookContents(shown)] }, host_ref: "policy-os" } : notFound();
  }
  const target = upstreamUriOf(uri);
  if (!target || !(await ctx.features.upstreams.hostIds()).includes(target.host)) return notFound();
  const asked = await ctx.features.upstreams.ask(target.host, async (upstream) => {
    if (!(await visibleUpstream(ctx, target.host, target.uri, upstream))) return null;
    return upstream.readResource(target.uri);
  });
  if (!asked.ok) return { ok: false, error: { code: INTERNAL_ERROR, message: asked.message }, host_ref: null };
  if (asked.value === null) return notFound(asked.host_ref);
  const contents = asked.value.contents.map((item) => ({ ...item, uri: federatedUri(target.host, item.uri) }));
  return { ok: true, result: { ...asked.value, contents }, host_ref: asked.host_ref };
}

/** Whether the agent sees `uri` of host `ns`: listed under a name it may see, or matched by a template it may see. */
async function visibleUpstream(
  ctx: FeatureContext,
  ns: string,
  uri: string,
  upstream: UpstreamConnection,
): Promise<boolean> {
  const listed = await allResources(upstream);
  if (listed.some((resource) => resource.uri === uri && mayList(ctx.principal, ns, resource.name))) return true;
  const templates = await allTemplates(upstream);
  return templates.some((template) => {
    if (!mayList(ctx.principal, ns, template.name)) return false;
    try {
      return new UriTemplate(template.uriTemplate).match(uri) !== null;
    } catch {
      return false; // a template the SDK cannot read matches nothing
    }
  });
}

async function runbooksFor(ctx: FeatureContext) {
  const [runbooks, catalog] = await Promise.all([ctx.features.runbooks(), ctx.catalog()]);
  return runbooksInView(runbooks, visibleTools(catalog, ctx.principal));
}

/** Asks every upstream host at once; a host that does not answer adds nothing (the others still list). */
async function eachHost<T>(
  ctx: FeatureContext,
  use: (ns: string, upstream: UpstreamConnection) => Promise<T[]>,
): Promise<T[]> {
  const ids = await ctx.features.upstreams.hostIds();
  const answers = await Promise.all(ids.map((ns) => ctx.features.upstreams.ask(ns, (upstream) => use(ns, upstream))));
  return answers.flatMap((answer) => (answer.ok ? answer.value : []));
}

function allResources(upstream: UpstreamConnection): Promise<Resource[]> {
  if (!upstream.offers().resources) return Promise.resolve([]);
  return allPages(async (cursor) => {
    const page = await upstream.listResources(cursor);
    return { items: page.resources, next: page.nextCursor };
  }, MAX_LIST_PAGES);
}

function allTemplates(upstream: UpstreamConnection): Promise<ResourceTemplate[]> {
  if (!upstream.offers().resources) return Promise.resolve([]);
  return allPages(async (cursor) => {
    const page = await upstream.listResourceTemplates(cursor);
    return { items: page.resourceTemplates, next: page.nextCursor };
  }, MAX_LIST_PAGES);
}
