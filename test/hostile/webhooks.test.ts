import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../emulator/notion/webhooks";
import { putConnection, SOURCES, type SourceName } from "../../src/notion/connection";
import { admin, BASE, newTenant } from "../support/worker";

/**
 * Hostile deliveries to the Notion webhook: only a fresh, first-seen event signed with the tenant's own secret is
 * taken; everything else gets a structured refusal, is not recorded, and changes nothing an operator reads.
 */

/** The verification token vitest.config.ts gives the Worker as NOTION_WEBHOOK_SECRET (tenant A's secret). */
const A_TOKEN = "secret_emulator_webhook";
/** WRONG_NOTION_TOKEN's value in vitest.config.ts, which tenant B names as its webhook secret. */
const B_TOKEN = "secret_revoked";
const HOUR = 60 * 60 * 1000;

type Connected = { tenant: string; data_sources: Record<SourceName, string> };
let a: Connected;
let b: Connected;
let unsecured: Connected;

async function connected(webhook_secret: string | null): Promise<Connected> {
  const { tenant } = await newTenant();
  const data_sources = Object.fromEntries(SOURCES.map((s) => [s, crypto.randomUUID()])) as Record<SourceName, string>;
  await putConnection(
    env.DB,
    tenant,
    { token_secret: "NOTION_TOKEN", webhook_secret, data_sources },
    new Date().toISOString(),
  );
  return { tenant, data_sources };
}

beforeAll(async () => {
  [a, b, unsecured] = await Promise.all([
    connected("NOTION_WEBHOOK_SECRET"),
    connected("WRONG_NOTION_TOKEN"),
    connected(null),
  ]);
});

/** A person's edit of a page under `parent_data_source` (a database no tenant syncs unless named). */
function event(overrides: Record<string, unknown> = {}, parent_data_source: string = crypto.randomUUID()) {
  return {
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    workspace_id: crypto.randomUUID(),
    subscription_id: crypto.randomUUID(),
    integration_id: crypto.randomUUID(),
    authors: [{ id: crypto.randomUUID(), type: "person" }],
    attempt_number: 1,
    type: "page.properties_updated",
    entity: { id: crypto.randomUUID(), type: "page" },
    data: { parent: { id: crypto.randomUUID(), type: "database", data_source_id: parent_data_source } },
    ...overrides,
  };
}

/** Posts `body` to a tenant's webhook URL; `signature` undefined sends none. */
async function post(tenant: string, body: string, signature?: string) {
  const res = await SELF.fetch(`${BASE}/webhooks/notion/${tenant}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature === undefined ? {} : { "x-notion-signature": signature }),
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Signs and delivers an event (or any text) to a tenant with `token`. */
async function deliver(tenant: string, payload: object | string, token = A_TOKEN) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return post(tenant, body, await signWebhook(body, token));
}

async function recorded(tenant: string, event_id: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT 1 FROM notion_webhook_events WHERE tenant_id = ? AND event_id = ?")
    .bind(tenant, event_id)
    .first();
  return row !== null;
}

const hex64 = "ab".repeat(32);

describe("deliveries refused for their signature", () => {
  it.for([
    { name: "an unsigned event", signature: undefined, code: "signature_missing" },
    { name: "an empty signature header", signature: "", code: "signature_malformed" },
    { name: "sha256= with no digest", signature: "sha256=", code: "signature_malformed" },
    { name: "a digest that is not hex", signature: `sha256=${"zz".repeat(32)}`, code: "signature_malformed" },
    { name: "a sha1 signature", signature: `sha1=${hex64}`, code: "signature_malformed" },
    { name: "a bare digest without sha256=", signature: hex64, code: "signature_malformed" },
    { name: "a digest one hex digit short", signature: `sha256=${hex64.slice(1)}`, code: "signature_malformed" },
    { name: "a well-formed digest that is not the body's", signature: `sha256=${hex64}`, code: "signature_invalid" },
  ])("$name is 401 $code and the event is not recorded", async ({ signature, code }) => {
    const sent = event({}, a.data_sources.policies);
    const res = await post(a.tenant, JSON.stringify(sent), signature);
    expect(res).toMatchObject({ status: 401, body: { error: { code } } });
    expect(await recorded(a.tenant, sent.id)).toBe(false);
  });

  it("a body changed after signing (one space added) is 401 signature_invalid", async () => {
    const sent = event({}, a.data_sources.policies);
    const body = JSON.stringify(sent);
    const res = await post(a.tenant, `${body} `, await signWebhook(body, A_TOKEN));
    expect(res).toMatchObject({ status: 401, body: { error: { code: "signature_invalid" } } });
    expect(await recorded(a.tenant, sent.id)).toBe(false);
  });

  it("an event signed with tenant B's secret is refused by tenant A", async () => {
    const sent = event({}, a.data_sources.policies);
    expect(await deliver(a.tenant, sent, B_TOKEN)).toMatchObject({
      status: 401,
      body: { error: { code: "signature_invalid" } },
    });
    expect(await recorded(a.tenant, sent.id)).toBe(false);
  });

  it("an event signed with tenant A's secret is refused by tenant B", async () => {
    const sent = event({}, b.data_sources.policies);
    expect(await deliver(b.tenant, sent, A_TOKEN)).toMatchObject({
      status: 401,
      body: { error: { code: "signature_invalid" } },
    });
    expect(await recorded(b.tenant, sent.id)).toBe(false);
  });

  it("a signed event to a tenant with no webhook secret is 401 webhook_not_configured", async () => {
    const sent = event();
    expect(await deliver(unsecured.tenant, sent)).toMatchObject({
      status: 401,
      body: { error: { code: "webhook_not_configured" } },
    });
    expect(await recorded(unsecured.tenant, sent.id)).toBe(false);
  });
});

describe("signed deliveries refused for what they carry", () => {
  it("a second delivery of the same event is 401 replayed", async () => {
    const sent = event();
    expect(await deliver(a.tenant, sent)).toMatchObject({ status: 200, body: { ignored: "not_synced" } });
    expect(await deliver(a.tenant, sent)).toMatchObject({ status: 401, body: { error: { code: "replayed" } } });
  });

  it("a different body re-using a received event id is 401 replayed", async () => {
    const sent = event();
    await deliver(a.tenant, sent);
    const forged = { ...sent, entity: { id: crypto.randomUUID(), type: "page" }, attempt_number: 2 };
    expect(await deliver(a.tenant, forged)).toMatchObject({ status: 401, body: { error: { code: "replayed" } } });
  });

  it("an event from 37 hours ago is 401 stale_event and not recorded", async () => {
    const sent = event({ timestamp: new Date(Date.now() - 37 * HOUR).toISOString() }, a.data_sources.policies);
    expect(await deliver(a.tenant, sent)).toMatchObject({ status: 401, body: { error: { code: "stale_event" } } });
    expect(await recorded(a.tenant, sent.id)).toBe(false);
  });

  it.for([
    { name: "malformed JSON", payload: '{"id": "evt_1", "timestamp": ' },
    { name: "a JSON array", payload: "[]" },
    { name: "an event without an id", payload: JSON.stringify({ ...event(), id: undefined }) },
    { name: "an event id of 201 characters", payload: JSON.stringify(event({ id: "e".repeat(201) })) },
    { name: "a timestamp that is not a date", payload: JSON.stringify(event({ timestamp: "yesterday" })) },
    { name: "an entity that is a string", payload: JSON.stringify(event({ entity: "page" })) },
  ])("$name, correctly signed, is 400 invalid_event", async ({ payload }) => {
    const res = await deliver(a.tenant, payload);
    expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_event" } } });
  });

  it("an event type Policy OS does not know is recorded and ignored with 200, starting nothing", async () => {
    const sent = event({ type: "workspace.teleported", entity: { id: crypto.randomUUID(), type: "spaceship" } });
    expect(await deliver(a.tenant, sent)).toEqual({ status: 200, body: { ok: true, ignored: "not_synced" } });
    expect(await recorded(a.tenant, sent.id)).toBe(true);
  });

  it("an edit authored only by bots is ignored with 200 and starts no sync", async () => {
    const sent = event({ authors: [{ id: crypto.randomUUID(), type: "bot" }] }, a.data_sources.policies);
    expect(await deliver(a.tenant, sent)).toEqual({ status: 200, body: { ok: true, ignored: "bot_author" } });
  });

  it("an edit of tenant A's Approvals page, delivered to tenant B with B's signature, starts nothing in B", async () => {
    const sent = event({}, a.data_sources.approvals);
    expect(await deliver(b.tenant, sent, B_TOKEN)).toEqual({ status: 200, body: { ok: true, ignored: "not_synced" } });
  });

  it("a body over 512 KB is 413 body_too_large", async () => {
    const sent = event({ padding: "x".repeat(600 * 1024) });
    const res = await deliver(a.tenant, sent);
    expect(res).toMatchObject({ status: 413, body: { error: { code: "body_too_large" } } });
    expect(await recorded(a.tenant, sent.id)).toBe(false);
  });

  it("a tenant name of 5,000 characters is 404 not_connected with a bounded message", async () => {
    const res = await deliver("t".repeat(5000), event());
    expect(res).toMatchObject({ status: 404, body: { error: { code: "not_connected" } } });
    expect(res.body.error.message.length).toBeLessThan(200);
  });
});

describe("verification tokens once a secret is in force", () => {
  const handshakeShown = async (tenant: string) => admin("GET", `/notion/handshake?tenant=${tenant}`);

  it("an unsigned verification_token is 401 and GET /admin/notion/handshake still shows none", async () => {
    const res = await post(a.tenant, JSON.stringify({ verification_token: "secret_attacker_chosen" }));
    expect(res).toMatchObject({ status: 401, body: { error: { code: "signature_missing" } } });
    expect(await handshakeShown(a.tenant)).toMatchObject({ status: 404, body: { error: { code: "no_handshake" } } });
  });

  it("a verification_token signed with another tenant's secret is 401 and not shown", async () => {
    const res = await deliver(a.tenant, { verification_token: "secret_attacker_chosen" }, B_TOKEN);
    expect(res).toMatchObject({ status: 401, body: { error: { code: "signature_invalid" } } });
    expect(await handshakeShown(a.tenant)).toMatchObject({ status: 404 });
  });

  it("a verification_token hidden inside an unsigned event-shaped body is 401 and not shown", async () => {
    const res = await post(b.tenant, JSON.stringify({ ...event(), verification_token: "secret_attacker_chosen" }));
    expect(res).toMatchObject({ status: 401, body: { error: { code: "signature_missing" } } });
    expect(await handshakeShown(b.tenant)).toMatchObject({ status: 404 });
  });

  it("a verification_token of 1,001 characters, unsigned, to a tenant without a secret is 401 and not shown", async () => {
    const res = await post(unsecured.tenant, JSON.stringify({ verification_token: "v".repeat(1001) }));
    expect(res).toMatchObject({ status: 401, body: { error: { code: "signature_missing" } } });
    expect(await handshakeShown(unsecured.tenant)).toMatchObject({ status: 404 });
  });
});
