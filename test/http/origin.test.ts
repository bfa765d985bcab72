import { describe, expect, it } from "vitest";
import { originAllowed } from "../../src/http/origin";

const allowed = "http://localhost,http://127.0.0.1,https://app.example.com:8443";

describe("which browser origins may call /mcp", () => {
  it.each([
    [undefined, true, "no Origin header (servers and CLIs)"],
    ["http://localhost:6274", true, "any port of an allowed host listed without a port"],
    ["http://127.0.0.1", true, "the allowed host itself"],
    ["https://app.example.com:8443", true, "an allowed host and port"],
    ["https://app.example.com", false, "the right host on another port"],
    ["https://localhost", false, "the right host with another scheme"],
    ["http://localhost.evil.example", false, "a look-alike host"],
    ["null", false, "an opaque origin"],
    ["not a url", false, "garbage"],
  ] as [string | undefined, boolean, string][])("%s → %s (%s)", (origin, expected) => {
    expect(originAllowed(origin, allowed)).toBe(expected);
  });
});
