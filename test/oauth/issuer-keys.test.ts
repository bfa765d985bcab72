import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuthorizationServer } from "../../src/db/oauth";
import { issuerKeys } from "../../src/oauth/issuer-keys";
import { verifyAccessToken } from "../../src/oauth/verify-token";

const RESOURCE = "https://gw.example.com/t/acme/mcp";
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "e1", alg: "ES256" }] };
const fetched: string[] = [];

/** Each case has its own issuer host: keys and metadata are cached per isolate. */
const network = setupServer(
  // RFC 8414 with the issuer's path inserted after the well-known prefix.
  http.get("https://path.idp.test/.well-known/oauth-authorization-server/tenants/acme", ({ request }) => {
    fetched.push(request.url);
    return HttpResponse.json({ issuer: "https://path.idp.test/tenants/acme", jwks_uri: "https://path.idp.test/keys" });
  }),
  http.get("https://path.idp.test/keys", () => HttpResponse.json(jwks)),
  // Only OpenID Connect discovery, appended to the issuer.
  http.get(
    "https://oidc.idp.test/.well-known/oauth-authorization-server",
    () => new HttpResponse(null, { status: 404 }),
  ),
  http.get("https://oidc.idp.test/.well-known/openid-configuration", () =>
    HttpResponse.json({ issuer: "https://oidc.idp.test", jwks_uri: "https://oidc.idp.test/certs" }),
  ),
  http.get("https://oidc.idp.test/certs", () => HttpResponse.json(jwks)),
  // Metadata that names someone else's keys.
  http.get("https://liar.idp.test/.well-known/oauth-authorization-server", () =>
    HttpResponse.json({ issuer: "https://evil.test", jwks_uri: "https://evil.test/keys" }),
  ),
  http.get("https://unreachable.idp.test/.well-known/oauth-authorization-server", () => HttpResponse.error()),
  http.get("https://broken.idp.test/keys", () => HttpResponse.text("<html>oops</html>")),
);

beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterAll(() => network.close());

async function verify(issuer: string, jwks_uri: string | null = null) {
  const server: AuthorizationServer = { issuer, jwks_uri, algorithms: ["ES256"], person_claim: null };
  const jwt = await new SignJWT({ iss: issuer, sub: "u", aud: RESOURCE, client_id: "cli" })
    .setProtectedHeader({ alg: "ES256", kid: "e1" })
    .setExpirationTime("5m")
    .sign(privateKey);
  const result = await verifyAccessToken(jwt, { resource: RESOURCE, servers: [server], keys: issuerKeys });
  return result.ok ? "accepted" : result.reason;
}

describe("an issuer's signing keys", () => {
  it("are found through RFC 8414 metadata at the path-inserted well-known URL, fetched once", async () => {
    expect(await verify("https://path.idp.test/tenants/acme")).toBe("accepted");
    expect(await verify("https://path.idp.test/tenants/acme")).toBe("accepted");
    expect(fetched).toEqual(["https://path.idp.test/.well-known/oauth-authorization-server/tenants/acme"]);
  });

  it("are found through OpenID Connect discovery when the issuer has no RFC 8414 metadata", async () => {
    expect(await verify("https://oidc.idp.test")).toBe("accepted");
  });

  it("are not taken from metadata that names another issuer", async () => {
    expect(await verify("https://liar.idp.test")).toBe("issuer_unavailable");
  });

  it("refuse the token when the metadata or the key set cannot be read", async () => {
    expect(await verify("https://unreachable.idp.test")).toBe("issuer_unavailable");
    expect(await verify("https://broken.idp.test", "https://broken.idp.test/keys")).toBe("issuer_unavailable");
  });
});
