import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/db/tenancy";
import { cachedPrincipal, forgetPrincipals, rememberPrincipal } from "../../src/http/principal-cache";

const principal = { tenant: { id: "acme" }, agent: { id: "agt_1" } } as Principal;

describe("the isolate's cache of verified keys", () => {
  it("reuses a verified principal until its TTL passes, then reads again", () => {
    rememberPrincipal("hash-a", principal, 1_000, 5_000);
    expect(cachedPrincipal("hash-a", 5_999)).toBe(principal);
    expect(cachedPrincipal("hash-a", 6_000)).toBeUndefined();
  });

  it("caches nothing when the TTL is 0", () => {
    rememberPrincipal("hash-b", principal, 1_000, 0);
    expect(cachedPrincipal("hash-b", 1_000)).toBeUndefined();
  });

  it("forgets everything after an admin change", () => {
    rememberPrincipal("hash-c", principal, 1_000, 5_000);
    forgetPrincipals();
    expect(cachedPrincipal("hash-c", 1_001)).toBeUndefined();
  });
});
