import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import type { AuthorizationServer } from "../../src/db/oauth";
import { looksLikeJwt } from "../../src/oauth/jwt-shape";
import { IssuerUnavailable } from "../../src/oauth/issuer-keys";
import { resourceMetadataUrl, resourceUri } from "../../src/oauth/resource";
import { verifyAccessToken, type TokenVerifier } from "../../src/oauth/verify-token";

const ISSUER = "https://idp.example.com/tenants/acme";
const RESOURCE = "https://gw.example.com/t/acme/mcp";
const NOW = new Date("2026-12-06T12:00:00Z");
const now = Math.floor(NOW.getTime() / 1000);

const { privateKey, publicKey } = await generateKeyPair("RS256");
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "r1", alg: "RS256" }] });
const server: AuthorizationServer = { issuer: ISSUER, jwks_uri: null, algorithms: ["RS256"], person_claim: null };
const verifier: TokenVerifier = { resource: RESOURCE, servers: [server], keys: () => jwks, now: NOW };

function token(claims: JWTPayload = {}) {
  return new SignJWT({
    iss: ISSUER,
    sub: "u-1",
    aud: RESOURCE,
    email: "pat@example.com",
    client_id: "cli",
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: "r1" })
    .sign(privateKey);
}

async function reasonFor(jwt: string, options: Partial<TokenVerifier> = {}) {
  const result = await verifyAccessToken(jwt, { ...verifier, ...options });
  return result.ok ? "accepted" : result.reason;
}

describe("verifyAccessToken", () => {
  it("accepts a good token and says who issued it, about whom, to which client, until when", async () => {
    expect(await verifyAccessToken(await token(), verifier)).toEqual({
      ok: true,
      token: {
        issuer: ISSUER,
        subject: "u-1",
        person: "pat@example.com",
        client_id: "cli",
        expires_at_ms: (now + 300) * 1000,
      },
    });
  });

  it("accepts an audience list that holds this resource, and refuses one that does not", async () => {
    expect(await reasonFor(await token({ aud: ["https://other.example.com", RESOURCE] }))).toBe("accepted");
    expect(await reasonFor(await token({ aud: ["https://other.example.com"] }))).toBe("wrong_audience");
    // A resource URI is compared exactly: the endpoint with a trailing slash is another resource.
    expect(await reasonFor(await token({ aud: `${RESOURCE}/` }))).toBe("wrong_audience");
  });

  it("allows 30 seconds of clock skew on exp and nbf, and not more", async () => {
    expect(await reasonFor(await token({ exp: now - 20 }))).toBe("accepted");
    expect(await reasonFor(await token({ exp: now - 40 }))).toBe("token_expired");
    expect(await reasonFor(await token({ nbf: now + 20 }))).toBe("accepted");
    expect(await reasonFor(await token({ nbf: now + 40 }))).toBe("invalid_token");
  });

  it("refuses a token without exp or sub", async () => {
    expect(await reasonFor(await token({ exp: undefined }))).toBe("invalid_token");
    expect(await reasonFor(await token({ sub: undefined }))).toBe("invalid_token");
  });

  it("compares the issuer exactly: a trailing slash is another issuer", async () => {
    expect(await reasonFor(await token({ iss: `${ISSUER}/` }))).toBe("unknown_issuer");
  });

  it("refuses an algorithm the tenant did not allow for that issuer, before looking for a key", async () => {
    const es = await generateKeyPair("ES256");
    const jwt = await new SignJWT({ iss: ISSUER, sub: "u", aud: RESOURCE, client_id: "cli", exp: now + 60 })
      .setProtectedHeader({ alg: "ES256", kid: "r1" })
      .sign(es.privateKey);
    let looked = false;
    const reason = await reasonFor(jwt, {
      keys: () => {
        looked = true;
        return jwks;
      },
    });
    expect(reason).toBe("invalid_token");
    expect(looked).toBe(false);
  });

  it("names the person by the tenant's claim, else email, else sub, and refuses a token naming none", async () => {
    expect(await verifyAccessToken(await token({ email: undefined }), verifier)).toMatchObject({
      token: { person: "u-1" },
    });
    const byUpn = { ...verifier, servers: [{ ...server, person_claim: "upn" }] };
    expect(await verifyAccessToken(await token({ upn: "pat@corp" }), byUpn)).toMatchObject({
      token: { person: "pat@corp" },
    });
    expect(await reasonFor(await token({ upn: 42 }), byUpn)).toBe("invalid_token");
  });

  it("fails closed when the issuer's keys cannot be had", async () => {
    const down = () => () => Promise.reject(new IssuerUnavailable("down"));
    expect(await reasonFor(await token(), { keys: down })).toBe("issuer_unavailable");
  });

  it("refuses what is not a JWT, and one longer than 16 KB", async () => {
    expect(await reasonFor("a.b.c")).toBe("invalid_token");
    expect(await reasonFor(await token({ pad: "x".repeat(17_000) }))).toBe("invalid_token");
  });
});

describe("telling a token from an API key", () => {
  it("reads three base64url parts as a JWT and a Policy OS key as a key", () => {
    expect(looksLikeJwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln")).toBe(true);
    expect(looksLikeJwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.")).toBe(true);
    expect(looksLikeJwt("pos_KDW0EwwCu10ZlX3JXMFpTBpGNTPXIGKtPndnCe2XItw")).toBe(false);
    expect(looksLikeJwt("a.b")).toBe(false);
  });
});

describe("the resource a tenant's endpoint is", () => {
  it("is the endpoint's URL without query, and its metadata sits at the path-inserted well-known URL", () => {
    expect(resourceUri("https://gw.example.com/t/acme/mcp?x=1", "acme")).toBe(RESOURCE);
    expect(resourceMetadataUrl("https://gw.example.com/t/acme/mcp", "acme")).toBe(
      "https://gw.example.com/.well-known/oauth-protected-resource/t/acme/mcp",
    );
  });
});
