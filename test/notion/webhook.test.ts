import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../emulator/notion/webhooks";
import { getConnection, handshakeToken, putConnection, SOURCES, type SourceName } from "../../src/notion/connection";
import { handshakeNotice, pruneWebhookEvents, recordWebhookEvent } from "../../src/notion/webhook";
import { BASE, newTenant } from "../support/worker";

/** The verification token vitest.config.ts gives the Worker as NOTION_WEBHOOK_SECRET. */
const WEBHOOK_TOKEN = "secret_emulator_webhook";
const HOUR = 60 * 60 * 1000;

/** A fresh tenant connected to Notion, with its own data source ids. */
async function connectedTenant(webhook_secret: string | null = "NOTION_WEBHOOK_SECRET") {
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

/** A person's edit of a row in a data source, as Notion sends it. */
function rowEdited(data_source_id: string, overrides: Record<string, unknown> = {}) {
  return {
    id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    workspace_id: crypto.randomUUID(),
    workspace_name: "Acme",
    subscription_id: crypto.randomUUID(),
    integration_id: crypto.randomUUID(),
    authors: [{ id: crypto.randomUUID(), type: "person" }],
    attempt_number: 1,
    api_version: "2025-09-03",
    type: "page.properties_updated",
    entity: { id: crypto.randomUUID(), type: "page" },
    data: {
      parent: { id: crypto.randomUUID(), type: "database", data_source_id },
      updated_properties: ["%3AUPp"],
    },
    ...overrides,
  };
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

/** Delivers an event to a tenant's webhook URL, signed with `token` unless a signature is given. */
async function deliver(tenant: string, event: object, options: { token?: string; signature?: string } = {}) {
  const body = JSON.stringify(event);
  const signature = options.signature ?? (await signWebhook(body, options.token ?? WEBHOOK_TOKEN));
  const res = await post(`/webhooks/notion/${tenant}`, body, { "x-notion-signature": signature });
  return { status: res.status, body: (await res.json()) as any };
}

/** Posts Notion's unsigned verification request carrying `token`. */
function handshake(tenant: string, token: string) {
  return post(`/webhooks/notion/${tenant}`, JSON.stringify({ verification_token: token }));
}

/** Points a tenant's connection at another webhook secret, as an operator does once the token is stored. */
async function nameWebhookSecret(tenant: string, webhook_secret: string) {
  const { data_sources } = (await getConnection(env.DB, tenant))!;
  await putConnection(
    env.DB,
    tenant,
    { token_secret: "NOTION_TOKEN", webhook_secret, data_sources },
    new Date().toISOString(),
  );
}

async function recorded(tenant: string, event_id: string) {
  const row = await env.DB.prepare("SELECT 1 FROM notion_webhook_events WHERE tenant_id = ? AND event_id = ?")
    .bind(tenant, event_id)
    .first();
  return row !== null;
}

describe("the Notion webhook", () => {
  it("accepts a correctly signed edit of a policy row, records it, and answers 202 naming the database to sync", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);

    const res = await deliver(tenant, event);

    expect(res).toEqual({ status: 202, body: { ok: true, sync: "policies" } });
    expect(await recorded(tenant, event.id)).toBe(true);
  });

  it("answers 202 even though the sync it starts fails after the response", async () => {
    // The sync engine is not built yet and throws; that failure stays in waitUntil and the logs.
    const { tenant, data_sources } = await connectedTenant();
    const first = await deliver(tenant, rowEdited(data_sources.agents));
    const second = await deliver(tenant, rowEdited(data_sources.agents));
    expect([first.status, second.status]).toEqual([202, 202]);
  });

  it("syncs the database a data source event names by its entity", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.tools, {
      type: "data_source.schema_updated",
      entity: { id: data_sources.tools, type: "data_source" },
      data: { parent: { id: crypto.randomUUID(), type: "database" }, updated_properties: [] },
    });
    expect(await deliver(tenant, event)).toEqual({ status: 202, body: { ok: true, sync: "tools" } });
  });

  it("matches data source ids written with or without dashes", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.runbooks.replaceAll("-", "").toUpperCase());
    expect(await deliver(tenant, event)).toEqual({ status: 202, body: { ok: true, sync: "runbooks" } });
  });

  it("refuses an unsigned event with 401 and records nothing", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);
    const res = await post(`/webhooks/notion/${tenant}`, JSON.stringify(event));
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("signature_missing");
    expect(await recorded(tenant, event.id)).toBe(false);
  });

  it("refuses an event signed with another token with 401 and records nothing", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);
    const res = await deliver(tenant, event, { token: "secret_someone_else" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("signature_invalid");
    expect(await recorded(tenant, event.id)).toBe(false);
  });

  it("refuses a body altered after signing with 401 and records nothing", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const original = rowEdited(data_sources.approvals);
    const altered = { ...original, data: { ...original.data, parent: { ...original.data.parent } } };
    altered.data.parent.data_source_id = data_sources.policies;
    const signature = await signWebhook(JSON.stringify(original), WEBHOOK_TOKEN);

    const res = await deliver(tenant, altered, { signature });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("signature_invalid");
    expect(await recorded(tenant, original.id)).toBe(false);
  });

  it("refuses a body re-serialised after signing, since the signature covers the exact bytes", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);
    const signature = await signWebhook(JSON.stringify(event, null, 2), WEBHOOK_TOKEN);
    expect((await deliver(tenant, event, { signature })).status).toBe(401);
    expect(await recorded(tenant, event.id)).toBe(false);
  });

  it.each([
    ["no sha256= prefix", "0".repeat(64)],
    ["too short", "sha256=abc"],
    ["not hex", `sha256=${"z".repeat(64)}`],
    ["empty", ""],
  ])("refuses a malformed signature header (%s) with 401 and records nothing", async (_, signature) => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);
    const res = await deliver(tenant, event, { signature });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("signature_malformed");
    expect(await recorded(tenant, event.id)).toBe(false);
  });

  it("refuses every signed event with 401 while the connection names no verification token", async () => {
    const { tenant, data_sources } = await connectedTenant(null);
    const event = rowEdited(data_sources.policies);
    const res = await deliver(tenant, event);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("webhook_not_configured");
    expect(await recorded(tenant, event.id)).toBe(false);
  });

  it("refuses the second delivery of the same signed event as replayed", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies);

    expect((await deliver(tenant, event)).status).toBe(202);
    const again = await deliver(tenant, event);

    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("replayed");
  });

  it("refuses an event older than 36 hours, and accepts one a little younger", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const old = rowEdited(data_sources.policies, { timestamp: new Date(Date.now() - 37 * HOUR).toISOString() });
    const late = rowEdited(data_sources.policies, { timestamp: new Date(Date.now() - 35 * HOUR).toISOString() });

    const refused = await deliver(tenant, old);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("stale_event");
    expect(await recorded(tenant, old.id)).toBe(false);
    expect((await deliver(tenant, late)).status).toBe(202);
  });

  it("answers 400 to a signed body that is not a Notion event, and records nothing", async () => {
    const { tenant } = await connectedTenant();
    const notAnEvent = { id: "evt-1", hello: "world" };
    const res = await deliver(tenant, notAnEvent);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_event");
    expect(await recorded(tenant, "evt-1")).toBe(false);
  });

  it("ignores an edit made only by bots (the Worker's own Sync status writes) with 200", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const event = rowEdited(data_sources.policies, { authors: [{ id: crypto.randomUUID(), type: "bot" }] });

    expect(await deliver(tenant, event)).toEqual({ status: 200, body: { ok: true, ignored: "bot_author" } });
    expect(await recorded(tenant, event.id)).toBe(true);
  });

  it("syncs an edit made by a person together with a bot, and one with no authors", async () => {
    const { tenant, data_sources } = await connectedTenant();
    const mixed = rowEdited(data_sources.agents, {
      authors: [
        { id: crypto.randomUUID(), type: "bot" },
        { id: crypto.randomUUID(), type: "person" },
      ],
    });
    const anonymous = rowEdited(data_sources.agents, { authors: [] });
    expect((await deliver(tenant, mixed)).body).toEqual({ ok: true, sync: "agents" });
    expect((await deliver(tenant, anonymous)).body).toEqual({ ok: true, sync: "agents" });
  });

  it("hands events in Approvals to the decision intake with 202", async () => {
    const { tenant, data_sources } = await connectedTenant();
    expect(await deliver(tenant, rowEdited(data_sources.approvals))).toEqual({
      status: 202,
      body: { ok: true, intake: "approvals" },
    });
  });

  it("ignores events in Digests and unknown places with 200 not_synced", async () => {
    const { tenant, data_sources } = await connectedTenant();
    for (const event of [
      rowEdited(data_sources.digests),
      rowEdited(crypto.randomUUID()),
      rowEdited(data_sources.policies, {
        type: "comment.created",
        entity: { id: crypto.randomUUID(), type: "comment" },
        data: { parent: { id: crypto.randomUUID(), type: "page" }, page_id: crypto.randomUUID() },
      }),
    ])
      expect(await deliver(tenant, event)).toEqual({ status: 200, body: { ok: true, ignored: "not_synced" } });
  });

  describe("the verification handshake", () => {
    it("records the token for the operator and answers 200", async () => {
      const { tenant } = await connectedTenant(null);
      const res = await post(
        `/webhooks/notion/${tenant}`,
        JSON.stringify({ verification_token: "secret_handshake_1" }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, handshake: "recorded" });
      expect(await handshakeToken(env.DB, tenant)).toBe("secret_handshake_1");
    });

    it("does not adopt the token: a delivery signed with it is still refused while the configured token differs", async () => {
      const { tenant, data_sources } = await connectedTenant("NO_SUCH_SECRET");
      await handshake(tenant, "secret_attacker");
      await nameWebhookSecret(tenant, "NOTION_WEBHOOK_SECRET");

      const event = rowEdited(data_sources.policies);
      const res = await deliver(tenant, event, { token: "secret_attacker" });

      expect(res.status).toBe(401);
      expect(await recorded(tenant, event.id)).toBe(false);
      expect((await deliver(tenant, event)).status).toBe(202);
    });

    it("refuses a handshake signed with anything but the current secret, and records nothing", async () => {
      const { tenant } = await connectedTenant();
      const body = JSON.stringify({ verification_token: "secret_signed" });
      const res = await post(`/webhooks/notion/${tenant}`, body, {
        "x-notion-signature": await signWebhook(body, "secret_signed"),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe("signature_invalid");
      expect(await handshakeToken(env.DB, tenant)).toBeNull();
    });

    it("before the tenant has a webhook secret, records an unsigned token as Notion sends it", async () => {
      const { tenant } = await connectedTenant("NO_SUCH_SECRET");
      const res = await handshake(tenant, "secret_first");
      expect(res.status).toBe(200);
      expect(await handshakeToken(env.DB, tenant)).toBe("secret_first");
    });

    it("once the tenant has a webhook secret, refuses an unsigned token with 401 and the handshake still shows the old one", async () => {
      const { tenant } = await connectedTenant("NO_SUCH_SECRET");
      await handshake(tenant, "secret_first");
      await nameWebhookSecret(tenant, "NOTION_WEBHOOK_SECRET");

      const res = await handshake(tenant, "secret_attacker_chosen");

      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.code).toBe("signature_missing");
      expect(await handshakeToken(env.DB, tenant)).toBe("secret_first");
    });

    it("once the tenant has a webhook secret, accepts a token signed with it and shows the new token", async () => {
      const { tenant } = await connectedTenant();
      await handshake(tenant, "secret_first");
      expect(await handshakeToken(env.DB, tenant)).toBeNull();

      const res = await deliver(tenant, { verification_token: "secret_rotated" });

      expect(res).toEqual({ status: 200, body: { ok: true, handshake: "recorded" } });
      expect(await handshakeToken(env.DB, tenant)).toBe("secret_rotated");
    });

    it("tells the operator where to read the token and where to store it, without the token itself", async () => {
      const token = "secret_Zq8RZ3n0tInLogs";
      const line = await handshakeNotice("acme", token, "NOTION_WEBHOOK_SECRET");
      expect(line).not.toContain(token);
      expect(line).toContain("tenant acme");
      expect(line).toContain("GET /admin/notion/handshake?tenant=acme");
      expect(line).toContain("NOTION_WEBHOOK_SECRET");
      expect(line).toMatch(/sha256 [0-9a-f]{8}…/);
    });

    it("tells the operator to name a secret when the connection names none", async () => {
      const line = await handshakeNotice("acme", "secret_x", null);
      expect(line).not.toContain("secret_x");
      expect(line).toContain("webhook_secret");
    });
  });

  describe("tenants", () => {
    it("refuses an event of one tenant replayed against another tenant's URL, whose connection names another secret", async () => {
      const { data_sources } = await connectedTenant();
      const other = await connectedTenant("OTHER_WEBHOOK_SECRET");
      const event = rowEdited(data_sources.policies);

      const res = await deliver(other.tenant, event);

      expect(res.status).toBe(401);
      expect(await recorded(other.tenant, event.id)).toBe(false);
    });

    it("triggers nothing at another tenant's URL even when both share a verification token", async () => {
      const { data_sources } = await connectedTenant();
      const other = await connectedTenant();
      const res = await deliver(other.tenant, rowEdited(data_sources.policies));
      expect(res).toEqual({ status: 200, body: { ok: true, ignored: "not_synced" } });
    });

    it("answers 404 for an unknown tenant and for a tenant not connected to Notion", async () => {
      const { tenant } = await newTenant();
      const event = rowEdited(crypto.randomUUID());
      expect((await deliver("no-such-tenant", event)).status).toBe(404);
      const res = await deliver(tenant, event);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_connected");
    });

    it("without a tenant in the URL, serves the only connected tenant and refuses once there are two", async () => {
      // Storage is per test file: start this file's from no connection at all.
      await env.DB.prepare("DELETE FROM notion_connections").run();
      const { data_sources } = await connectedTenant();
      const body = JSON.stringify(rowEdited(data_sources.policies));
      const signed = { "x-notion-signature": await signWebhook(body, WEBHOOK_TOKEN) };

      const res = await post("/webhooks/notion", body, signed);
      expect(res.status).toBe(202);

      await connectedTenant();
      const ambiguous = await post("/webhooks/notion", JSON.stringify(rowEdited(data_sources.policies)), signed);
      expect(ambiguous.status).toBe(400);
      expect(((await ambiguous.json()) as any).error.message).toContain("/webhooks/notion/<tenant>");
    });
  });

  it("answers 413 to a body over 512 KB", async () => {
    const { tenant } = await connectedTenant();
    const res = await post(`/webhooks/notion/${tenant}`, JSON.stringify({ pad: "x".repeat(600 * 1024) }));
    expect(res.status).toBe(413);
  });
});

describe("pruneWebhookEvents", () => {
  it("forgets event ids received more than 48 hours ago and keeps younger ones", async () => {
    const now = new Date();
    const tenant = `prune-${crypto.randomUUID()}`;
    await recordWebhookEvent(env.DB, tenant, "old", new Date(now.getTime() - 49 * HOUR));
    await recordWebhookEvent(env.DB, tenant, "young", new Date(now.getTime() - 47 * HOUR));

    expect(await pruneWebhookEvents(env.DB, now)).toBeGreaterThanOrEqual(1);

    expect(await recorded(tenant, "old")).toBe(false);
    expect(await recorded(tenant, "young")).toBe(true);
  });

  it("lets an event id be recorded again once forgotten, and not before", async () => {
    const tenant = `prune-${crypto.randomUUID()}`;
    const then = new Date(Date.now() - 49 * HOUR);
    expect(await recordWebhookEvent(env.DB, tenant, "e", then)).toBe(true);
    expect(await recordWebhookEvent(env.DB, tenant, "e", then)).toBe(false);
    await pruneWebhookEvents(env.DB, new Date());
    expect(await recordWebhookEvent(env.DB, tenant, "e", new Date())).toBe(true);
  });
});
