import { env, SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { discoverOAuthServerInfo, extractWWWAuthenticateParams } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { Hono } from "hono";
import { base64url, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from "jose";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/db/tenancy";
import { agentAuth } from "../../src/http/agent-auth";
import { principalForToken } from "../../src/http/token-auth";
import { ledgerEntries } from "../approvals/helpers";
import { admin, auditRows, BASE, call, newTenant } from "../support/worker";

/** A local authorization server: its issuer, signing key and JWKS are made here and served through msw. */
const ISSUER = "https://idp.oauth.test";
/** An issuer whose key set cannot be reached. */
const DOWN = "https://down.oauth.test";
/** An issuer no tenant trusts. */
const STRANGER = "https://stranger.oauth.test";

const signing = await generateKeyPair("ES256");
const impostor = await generateKeyPair("ES256");
const jwksFetches: string[] = [];

const network = setupServer(
  http.get(`${ISSUER}/.well-known/oauth-authorization-server`, () =>
    HttpResponse.json({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
    }),
  ),
  http.get(`${ISSUER}/jwks`, async ({ request }) => {
    jwksFetches.push(request.url);
    return HttpResponse.json({ keys: [{ ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "ES256" }] });
  }),
  http.get(`${DOWN}/jwks`, () => HttpResponse.error()),
);

beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterAll(() => network.close());

const endpointOf = (tenant: string) => `${BASE}/t/${tenant}/mcp`;

/** A tenant trusting the local issuer, whose agent is the OAuth client `claude-desktop`. */
async function oauthTenant(issuers: object[] = [{ issuer: ISSUER }]) {
  const t = await newTenant();
  const set = await admin("PUT", `/oauth?tenant=${t.tenant}`, { authorization_servers: issuers });
  expect(set.status).toBe(200);
  const clients = await admin("PUT", `/agents/${t.agent_id}/oauth-clients?tenant=${t.tenant}`, {
    client_ids: ["claude-desktop"],
  });
  expect(clients.status).toBe(200);
  return t;
}

/** An access token of the local issuer for a tenant's endpoint; `claims` and `header` override the defaults. */
async function accessToken(
  tenant: string,
  claims: JWTPayload = {},
  options: { key?: CryptoKey; header?: Record<string, unknown> } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    sub: "user-7",
    aud: endpointOf(tenant),
    email: "pat@example.com",
    client_id: "claude-desktop",
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt", ...options.header })
    .sign(options.key ?? signing.privateKey);
}

/** The real MCP SDK client connected to a tenant's endpoint with an access token. */
async function connectWithToken(tenant: string, token: string): Promise<Client> {
  const client = new Client(
    { name: "policy-os-tests", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(endpointOf(tenant)), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
  });
  await client.connect(transport);
  return client;
}

/** A tools/list posted to a tenant's endpoint with a credential: the status, the challenge and the JSON-RPC body. */
async function attempt(tenant: string, credential?: string, path = `/t/${tenant}/mcp`) {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(credential === undefined ? {} : { authorization: `Bearer ${credential}` }),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  return {
    res,
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: (await res.json()) as any,
  };
}

/** What a client reads from the route's refusal: the reason, and the challenge's error and metadata URL. */
async function refusal(tenant: string, credential: string) {
  const r = await attempt(tenant, credential);
  expect(r.status).toBe(401);
  const params = extractWWWAuthenticateParams(r.res);
  expect(params.resourceMetadataUrl?.href).toBe(`${BASE}/.well-known/oauth-protected-resource/t/${tenant}/mcp`);
  expect(params.error).toBe("invalid_token");
  return r.body.error.data.reason as string;
}

/** The sentence the refusal gives the client. */
async function refusalMessage(tenant: string, credential: string) {
  return (await attempt(tenant, credential)).body.error.message as string;
}

describe("an MCP client with an access token of the tenant's authorization server", () => {
  it("calls tools at the tenant's endpoint as the agent its client is", async () => {
    const { tenant, agent_id } = await oauthTenant();
    const client = await connectWithToken(tenant, await accessToken(tenant));
    const { outcome } = await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    expect(outcome.outcome).toBe("succeeded");
    const [row] = await auditRows(tenant, 1);
    expect(row.invocation_id).toBe(outcome.invocation_id);
    expect(row.agent_id).toBe(agent_id);
  });

  it("hands the pipeline a principal proven by the token: issuer, subject, person and client", async () => {
    const { tenant, agent_id, key } = await oauthTenant();
    const app = new Hono<{ Bindings: typeof env; Variables: { principal: Principal } }>();
    app.post("/t/:tenant/mcp", agentAuth(), (c) => c.json(c.get("principal")));
    const principalOf = async (token: string) =>
      (await (
        await app.fetch(
          new Request(endpointOf(tenant), { method: "POST", headers: { authorization: `Bearer ${token}` } }),
          env,
        )
      ).json()) as Principal;

    const byEmail = await principalOf(await accessToken(tenant));
    expect(byEmail.agent.id).toBe(agent_id);
    expect(byEmail.tenant.id).toBe(tenant);
    expect(byEmail.proof).toEqual({
      via: "token",
      issuer: ISSUER,
      subject: "user-7",
      person: "pat@example.com",
      client_id: "claude-desktop",
    });
    // Without an email claim the subject names the person; azp names the client when client_id is absent.
    const bySub = await principalOf(
      await accessToken(tenant, { email: undefined, client_id: undefined, azp: "claude-desktop" }),
    );
    expect(bySub.proof).toMatchObject({ person: "user-7", client_id: "claude-desktop" });
    // The same agent's API key is proven as a key, and says nothing about a person.
    const byKey = await principalOf(key);
    expect(byKey.agent.id).toBe(agent_id);
    expect(byKey.proof).toEqual({ via: "key" });
  });

  it("names the person by the claim the tenant chose", async () => {
    const { tenant } = await oauthTenant([{ issuer: ISSUER, person_claim: "preferred_username" }]);
    const token = await accessToken(tenant, { preferred_username: "pat" });
    const principal = await principalForToken(env.DB, token, { url: endpointOf(tenant), tenant_id: tenant }, 5_000);
    expect((principal as Principal).proof).toMatchObject({ via: "token", person: "pat" });
    const none = await principalForToken(
      env.DB,
      await accessToken(tenant),
      { url: endpointOf(tenant), tenant_id: tenant },
      5_000,
    );
    expect(none).toMatchObject({ reason: "invalid_token" });
  });

  it("keeps a verified token's principal no longer than the token lives", async () => {
    const { tenant } = await oauthTenant();
    const at = Date.now();
    const token = await accessToken(tenant, { exp: Math.floor(at / 1000) + 60 });
    const endpoint = { url: endpointOf(tenant), tenant_id: tenant };
    const long = 10 * 60_000;
    expect(await principalForToken(env.DB, token, endpoint, long, at)).toHaveProperty("proof.via", "token");
    // The client is unmapped behind the isolate's back: the cached principal still serves before exp...
    await env.DB.prepare("DELETE FROM oauth_clients WHERE tenant_id = ?").bind(tenant).run();
    expect(await principalForToken(env.DB, token, endpoint, long, at + 50_000)).toHaveProperty("proof.via", "token");
    // ...and not past it, however long the cache TTL: the token is verified again, and refused.
    expect(await principalForToken(env.DB, token, endpoint, long, at + 61_000 + 30_000)).toMatchObject({
      reason: "token_expired",
    });
  });

  it("fetches the issuer's key set once for many tokens", async () => {
    const { tenant } = await oauthTenant();
    await attempt(tenant, await accessToken(tenant, { sub: "warm-up" }));
    const before = jwksFetches.length;
    for (const sub of ["a", "b", "c"])
      expect((await attempt(tenant, await accessToken(tenant, { sub }))).status).toBe(200);
    expect(jwksFetches.length).toBe(before);
  });
});

describe("the person a token proves, through the pipeline", () => {
  it("is the person the agent acts for, and the decision entry says the token verified it", async () => {
    const { tenant } = await oauthTenant();
    const client = await connectWithToken(tenant, await accessToken(tenant));
    const { outcome } = await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    expect(outcome.outcome).toBe("succeeded");
    const decision = (await ledgerEntries(tenant)).find(
      (e) => e.kind === "decision" && e.invocation_id === outcome.invocation_id,
    );
    expect(decision.body.caller).toEqual({
      via: "token",
      person: "[REDACTED:email]",
      person_verified_by: "token",
      workspace: null,
      run: "none",
    });
  });

  it("cannot be swapped for another person by on_behalf_of: the call is refused, never run for either", async () => {
    const { tenant } = await oauthTenant();
    const client = await connectWithToken(tenant, await accessToken(tenant));
    const { outcome } = await call(
      client,
      "payments.lookup_customer",
      { customer_id: "cus_002" },
      { on_behalf_of: "boss@example.com" },
    );
    expect(outcome).toMatchObject({ outcome: "denied", denial: { code: "on_behalf_of_mismatch" } });
    const [row] = await auditRows(tenant, 1);
    expect(row).toMatchObject({ invocation_id: outcome.invocation_id, outcome: "denied" });
  });
});

describe("a refused access token", () => {
  it("is refused when expired", async () => {
    const { tenant } = await oauthTenant();
    const past = Math.floor(Date.now() / 1000) - 600;
    expect(await refusal(tenant, await accessToken(tenant, { iat: past - 300, exp: past }))).toBe("token_expired");
  });

  it("is refused at another tenant's endpoint: its audience is the tenant it was issued for", async () => {
    const a = await oauthTenant();
    const b = await oauthTenant();
    expect(await refusal(a.tenant, await accessToken(b.tenant))).toBe("wrong_audience");
    expect(await refusal(a.tenant, await accessToken(a.tenant, { aud: `${BASE}/mcp` }))).toBe("wrong_audience");
  });

  it("is refused when its issuer is not one of the tenant's", async () => {
    const { tenant } = await oauthTenant();
    expect(await refusal(tenant, await accessToken(tenant, { iss: STRANGER }))).toBe("unknown_issuer");
  });

  it("is refused when its signature is not the issuer's", async () => {
    const { tenant } = await oauthTenant();
    const byImpostor = await accessToken(tenant, {}, { key: impostor.privateKey });
    expect(await refusal(tenant, byImpostor)).toBe("invalid_token");
    expect(await refusalMessage(tenant, byImpostor)).toMatch(/signature does not verify/);
    // A genuine token whose subject was changed keeps its signature, which no longer matches.
    const [header, payload, signature] = (await accessToken(tenant)).split(".");
    const changed = { ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))), sub: "admin" };
    const forged = `${header}.${base64url.encode(JSON.stringify(changed))}.${signature}`;
    expect(await refusal(tenant, forged)).toBe("invalid_token");
    expect(await refusalMessage(tenant, forged)).toMatch(/signature does not verify/);
  });

  it("is refused when it brings its own key (jwk, jku or x5u header), which is never fetched or trusted", async () => {
    const { tenant } = await oauthTenant();
    const own = await exportJWK(impostor.publicKey);
    // msw refuses any request it does not know: a fetch of evil.test would be an unhandled request, not a pass.
    const selfSigned = await accessToken(
      tenant,
      {},
      { key: impostor.privateKey, header: { jwk: own, jku: "https://evil.test/jwks", x5u: "https://evil.test/cert" } },
    );
    expect(await refusal(tenant, selfSigned)).toBe("invalid_token");
    expect(await refusalMessage(tenant, selfSigned)).toMatch(/signature does not verify/);
  });

  it("is refused unsigned (alg none) or signed with an HMAC algorithm", async () => {
    const { tenant } = await oauthTenant();
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({ client_id: "claude-desktop", email: "pat@example.com" })
      .setIssuer(ISSUER)
      .setSubject("user-7")
      .setAudience(endpointOf(tenant))
      .setExpirationTime(now + 300)
      .encode();
    expect(await refusal(tenant, unsigned)).toBe("invalid_token");
    expect(await refusalMessage(tenant, unsigned)).toMatch(/algorithm is not one this tenant accepts/);
    // The classic confusion: the issuer's public key used as an HMAC secret.
    const hmac = await new SignJWT({ client_id: "claude-desktop", sub: "user-7", aud: endpointOf(tenant), iss: ISSUER })
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(JSON.stringify(await exportJWK(signing.publicKey))));
    expect(await refusal(tenant, hmac)).toBe("invalid_token");
    expect(await refusalMessage(tenant, hmac)).toMatch(/algorithm is not one this tenant accepts/);
  });

  it("is refused when its client is not an agent of the tenant, or names none", async () => {
    const { tenant } = await oauthTenant();
    expect(await refusal(tenant, await accessToken(tenant, { client_id: "stranger-app" }))).toBe("unknown_client");
    expect(await refusal(tenant, await accessToken(tenant, { client_id: undefined }))).toBe("unknown_client");
  });

  it("is refused while its agent is suspended", async () => {
    const { tenant, agent_id } = await oauthTenant();
    await admin("PATCH", `/agents/${agent_id}?tenant=${tenant}`, { status: "suspended" });
    expect(await refusal(tenant, await accessToken(tenant))).toBe("agent_suspended");
  });

  it("fails closed when the issuer's key set cannot be fetched: 503, and no tool runs", async () => {
    const { tenant } = await oauthTenant([{ issuer: DOWN, jwks_uri: `${DOWN}/jwks` }]);
    const r = await attempt(tenant, await accessToken(tenant, { iss: DOWN }));
    expect(r.status).toBe(503);
    expect(r.body.error.data.reason).toBe("issuer_unavailable");
    expect(r.body.result).toBeUndefined();
    expect(await auditRows(tenant, 0)).toEqual([]);
  });

  it("is refused at /mcp, which takes API keys only", async () => {
    const { tenant } = await oauthTenant();
    const r = await attempt(tenant, await accessToken(tenant), "/mcp");
    expect(r.status).toBe(401);
    expect(r.body.error.data.reason).toBe("invalid_token");
    expect(r.body.error.message).toContain("/t/<tenant>/mcp");
  });
});

describe("the tenant's endpoint", () => {
  it("keeps the Origin check of /mcp: a browser page from an origin not allowed is refused before any token is read", async () => {
    const { tenant } = await oauthTenant();
    const res = await SELF.fetch(endpointOf(tenant), {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        authorization: `Bearer ${await accessToken(tenant)}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(res.status).toBe(403);
  });

  it("is no route for a path that cannot name a tenant", async () => {
    const r = await attempt("x", undefined, "/t/NOT_A_TENANT/mcp");
    expect(r.status).toBe(404);
  });
});

describe("API keys beside tokens", () => {
  it("work at the tenant's endpoint for that tenant only", async () => {
    const a = await oauthTenant();
    const b = await newTenant();
    expect((await attempt(a.tenant, a.key)).status).toBe(200);
    const r = await attempt(a.tenant, b.key);
    expect(r.status).toBe(401);
    expect(r.body.error.data.reason).toBe("unknown_key");
    expect((await attempt(b.tenant, b.key, "/mcp")).status).toBe(200);
  });
});

describe("discovery, as an MCP client reads it", () => {
  it("answers a call without a token with 401 and a challenge naming the resource metadata", async () => {
    const { tenant } = await oauthTenant();
    const r = await attempt(tenant);
    expect(r.status).toBe(401);
    expect(r.challenge).toBe(
      `Bearer realm="policy-os", resource_metadata="${BASE}/.well-known/oauth-protected-resource/t/${tenant}/mcp"`,
    );
    expect(extractWWWAuthenticateParams(r.res).error).toBeUndefined();
  });

  it("publishes protected resource metadata that leads the SDK to the tenant's authorization server", async () => {
    const { tenant } = await oauthTenant();
    const fetchFn = (url: string | URL, init?: RequestInit) =>
      String(url).startsWith(BASE) ? SELF.fetch(String(url), init) : fetch(url, init);
    const info = await discoverOAuthServerInfo(endpointOf(tenant), { fetchFn });
    expect(info.resourceMetadata).toEqual({
      resource: endpointOf(tenant),
      authorization_servers: [ISSUER],
      bearer_methods_supported: ["header"],
      resource_name: `Policy OS (${tenant})`,
    });
    expect(info.authorizationServerUrl).toBe(ISSUER);
    expect(info.authorizationServerMetadata?.token_endpoint).toBe(`${ISSUER}/token`);
  });

  it("publishes nothing for a tenant that takes no tokens, nor for one that does not exist", async () => {
    const { tenant } = await newTenant();
    for (const id of [tenant, "no-such-tenant"]) {
      const res = await SELF.fetch(`${BASE}/.well-known/oauth-protected-resource/t/${id}/mcp`);
      expect(res.status).toBe(404);
    }
  });
});

describe("the admin API's OAuth settings", () => {
  it("shows the tenant's resource, metadata URL, authorization servers and clients", async () => {
    const { tenant, agent_id } = await oauthTenant();
    const { body } = await admin("GET", `/oauth?tenant=${tenant}`);
    expect(body).toEqual({
      tenant,
      resource: endpointOf(tenant),
      resource_metadata: `${BASE}/.well-known/oauth-protected-resource/t/${tenant}/mcp`,
      authorization_servers: [{ issuer: ISSUER, jwks_uri: null, algorithms: ["RS256", "ES256"], person_claim: null }],
      clients: [{ client_id: "claude-desktop", agent_id }],
    });
  });

  it("refuses alg none, HMAC algorithms and an issuer with a query", async () => {
    const { tenant } = await newTenant();
    for (const server of [
      { issuer: ISSUER, algorithms: ["none"] },
      { issuer: ISSUER, algorithms: ["HS256"] },
      { issuer: `${ISSUER}?tenant=x` },
      { issuer: "not a url" },
    ]) {
      const r = await admin("PUT", `/oauth?tenant=${tenant}`, { authorization_servers: [server] });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
  });

  it("refuses a client id that already acts as another agent", async () => {
    const { tenant } = await oauthTenant();
    const other = await admin("POST", `/agents?tenant=${tenant}`, { name: "second" });
    const r = await admin("PUT", `/agents/${other.body.agent.id}/oauth-clients?tenant=${tenant}`, {
      client_ids: ["claude-desktop"],
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("client_id_taken");
  });
});
