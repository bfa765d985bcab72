import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN_TOKEN, BASE, admin, newTenant } from "../support/worker";

/** Sends a raw request to the admin API: any body text and content type. */
async function raw(method: string, path: string, body?: string, contentType?: string) {
  const res = await SELF.fetch(`${BASE}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(contentType ? { "content-type": contentType } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const error = (code: string, message: string, details?: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) },
});

describe("the admin API's refusals", () => {
  it("checks the body before the tenant, and reads a body as JSON whatever its content type", async () => {
    expect(await admin("POST", "/agents?tenant=no-such-tenant", { owner: "requester" })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_request", message: "The request body does not fit this endpoint." } },
    });
    expect(await raw("POST", "/agents?tenant=no-such-tenant", "{", "application/json")).toEqual({
      status: 400,
      body: error("invalid_json", "The request body is not valid JSON."),
    });
    expect(await admin("POST", "/agents?tenant=no-such-tenant", { name: "bot", owner: "requester" })).toEqual({
      status: 404,
      body: error("tenant_not_found", 'No tenant "no-such-tenant".'),
    });
    const { tenant } = await newTenant();
    const plain = await raw("POST", `/agents?tenant=${tenant}`, JSON.stringify({ name: "bot", owner: "requester" }));
    expect(plain.status).toBe(201);
  });

  it("takes the tenant from the body when the query names none, and the query's when both do", async () => {
    const { tenant } = await newTenant();
    expect(await admin("POST", "/agents", { tenant: "no-such-tenant", name: "bot", owner: "requester" })).toEqual({
      status: 404,
      body: error("tenant_not_found", 'No tenant "no-such-tenant".'),
    });
    const both = await admin("POST", `/agents?tenant=${tenant}`, {
      tenant: "no-such-tenant",
      name: "bot",
      owner: "requester",
    });
    expect(both.status).toBe(201);
  });

  it("reads an empty body as no options where the body is optional, and refuses it where it is not", async () => {
    expect(await raw("POST", "/sync?tenant=no-such-tenant", "", "application/json")).toEqual({
      status: 404,
      body: error("tenant_not_found", 'No tenant "no-such-tenant".'),
    });
    expect(await raw("POST", "/digest?tenant=no-such-tenant")).toEqual({
      status: 404,
      body: error("tenant_not_found", 'No tenant "no-such-tenant".'),
    });
    expect(await raw("PUT", "/policies?tenant=no-such-tenant", "", "application/json")).toEqual({
      status: 400,
      body: error("invalid_json", "The request body is not valid JSON."),
    });
  });

  it("names the query parameters that do not fit", async () => {
    expect(await raw("GET", "/evidence?tenant=no-such-tenant&from=yesterday")).toEqual({
      status: 400,
      body: error("invalid_request", "These query parameters do not fit this endpoint: tag, from.", [
        { path: "tag", message: "name the compliance tag, such as ?tag=SOX" },
        {
          path: "from",
          message: "must be an ISO-8601 date or time with a zone, such as 2026-01-31 or 2026-01-31T09:00:00Z",
        },
      ]),
    });
  });

  it("answers each route's own refusals with its status and code", async () => {
    const { tenant } = await newTenant();
    expect(await admin("POST", "/tenants", { id: tenant, name: "again" })).toEqual({
      status: 409,
      body: error("tenant_exists", `A tenant "${tenant}" already exists.`),
    });
    expect(await admin("PATCH", `/agents/agt_none?tenant=${tenant}`, { status: "suspended" })).toEqual({
      status: 404,
      body: error("agent_not_found", `Tenant ${tenant} has no agent "agt_none".`),
    });
    expect(await admin("POST", `/keys/revoke?tenant=${tenant}`, { prefix: "pos_nothing" })).toEqual({
      status: 404,
      body: error("key_not_found", "No active key of this tenant matches."),
    });
    expect(await admin("DELETE", `/hosts/none?tenant=${tenant}`)).toEqual({
      status: 404,
      body: error("host_not_found", "No such host."),
    });
    expect(await admin("GET", `/notion/handshake?tenant=${tenant}`)).toEqual({
      status: 404,
      body: error("no_handshake", "Notion has not sent a verification token to this tenant's webhook URL yet."),
    });
    const rejected = await admin("PUT", `/policies?tenant=${tenant}`, { rows: [{ Name: "no id" }] });
    expect([rejected.status, rejected.body.error.code, Array.isArray(rejected.body.error.details)]).toEqual([
      422,
      "policy_rows_rejected",
      true,
    ]);
  });

  it("asks for the admin token with a challenge, and outside local dev for the tenant", async () => {
    const res = await SELF.fetch(`${BASE}/admin/agents`);
    expect([res.status, res.headers.get("www-authenticate"), await res.json()]).toEqual([
      401,
      'Bearer realm="policy-os-admin"',
      error("unauthorized", "Send the admin token as 'Authorization: Bearer <ADMIN_TOKEN>'."),
    ]);
    const deployed = await createApp().fetch(
      new Request(`${BASE}/admin/agents`, { headers: { authorization: "Bearer s3cret" } }),
      { ...env, ENVIRONMENT: "production", ADMIN_TOKEN: "s3cret" },
      createExecutionContext(),
    );
    expect([deployed.status, await deployed.json()]).toEqual([
      400,
      error("tenant_required", "Name the tenant with ?tenant=<id>."),
    ]);
  });
});
