import { createExecutionContext, env } from "cloudflare:test";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createHostRegistry, type HostRegistry } from "../../src/hosts/registry";
import type { UpstreamHostInput } from "../../src/hosts/host-config";
import { createFakeUpstream } from "../fakes/upstream-mcp";
import { callContext, uniqueTenant } from "../hosts/helpers";
import { ADMIN_TOKEN, BASE } from "../support/worker";

// Every request that leaves the Worker is recorded; one no test served fails at once (as a refused connection).
const contacted: string[] = [];
const network = setupServer(
  http.all("*", ({ request }) => {
    contacted.push(request.url);
    return HttpResponse.error();
  }),
);
beforeAll(() => network.listen({ onUnhandledRequest: "error" }));
afterEach(() => network.resetHandlers());
afterAll(() => network.close());

const db = env.DB;

/** A registry as the Worker builds it: outside local dev, or under local dev (`ENVIRONMENT=local`). */
function registry(where: "deployed" | "local", secrets: Record<string, unknown> = {}): HostRegistry {
  return createHostRegistry({ db, secrets, allowPrivateUpstreams: where === "local" });
}

/** A real MCP server at `url`, served through msw. */
function serve(url: string) {
  const fake = createFakeUpstream({ url });
  network.use(...fake.handlers);
  return fake;
}

/** Registers `input` for a fresh tenant; returns the answer, what the tenant then has, and what was contacted. */
async function register(where: "deployed" | "local", input: UpstreamHostInput, secrets: Record<string, unknown> = {}) {
  const tenant = uniqueTenant("hostile_up");
  const hosts = registry(where, secrets);
  const before = contacted.length;
  const result = await hosts.registerUpstreamHost(tenant, input);
  return { tenant, result, stored: await hosts.listHosts(tenant), contacted: contacted.slice(before) };
}

// Addresses a deployed gateway must never reach, in every notation the WHATWG parser folds into one.
const refusedUrls: [label: string, url: string][] = [
  ["plain http to a public host", "http://tickets.example.com/mcp"],
  ["plain http to the metadata service", "http://169.254.169.254/latest/meta-data/"],
  ["loopback in dotted form", "https://127.0.0.1/mcp"],
  ["loopback as one decimal number", "https://2130706433/mcp"],
  ["loopback in octal", "https://0177.0.0.1/mcp"],
  ["loopback in short hex", "https://0x7f.1/mcp"],
  ["loopback in short form", "https://127.1/mcp"],
  ["loopback with a trailing dot", "https://127.0.0.1./mcp"],
  ["IPv6 loopback", "https://[::1]/mcp"],
  ["IPv4-mapped IPv6 loopback", "https://[::ffff:127.0.0.1]/mcp"],
  ["IPv4-mapped metadata address", "https://[0:0:0:0:0:ffff:a9fe:a9fe]/"],
  ["IPv4-compatible loopback", "https://[::127.0.0.1]/mcp"],
  ["NAT64 metadata address", "https://[64:ff9b::a9fe:a9fe]/"],
  ["6to4 address wrapping loopback", "https://[2002:7f00:1::]/mcp"],
  ["IPv6 link-local", "https://[fe80::1]/mcp"],
  ["IPv6 unique-local", "https://[fc00::]/mcp"],
  ["the cloud IPv6 metadata address", "https://[fd00:ec2::254]/latest/meta-data/"],
  ["IPv6 documentation prefix", "https://[2001:db8::1]/mcp"],
  ["unspecified IPv4", "https://0.0.0.0/mcp"],
  ["unspecified IPv4 as 0", "https://0/mcp"],
  ["unspecified IPv6", "https://[::]/mcp"],
  ["the link-local metadata service", "https://169.254.169.254/latest/meta-data/"],
  ["a 10/8 private address", "https://10.0.0.5/mcp"],
  ["a 172.16/12 private address", "https://172.31.255.1/mcp"],
  ["a 192.168/16 private address", "https://192.168.1.1/mcp"],
  ["a carrier-grade NAT metadata address", "https://100.100.100.200/latest/meta-data/"],
  ["a multicast address", "https://224.0.0.1/mcp"],
  ["the broadcast address", "https://255.255.255.255/mcp"],
  ["localhost", "https://localhost/mcp"],
  ["localhost with a trailing dot", "https://localhost./mcp"],
  ["localhost in full-width letters", "https://ＬＯＣＡＬＨＯＳＴ/mcp"],
  ["localhost percent-encoded", "https://%6c%6fcalhost/mcp"],
  ["a name under .localhost", "https://tickets.localhost/mcp"],
  ["a name under .local", "https://printer.local/mcp"],
  ["a name under .internal", "https://tickets.corp.internal/mcp"],
  ["Google's metadata name", "https://metadata.google.internal/computeMetadata/v1/"],
  ["a bare metadata name", "https://metadata/latest"],
  ["a name under home.arpa", "https://nas.home.arpa/mcp"],
  ["a wildcard-DNS name spelling a private address", "https://10.0.0.1.nip.io/mcp"],
  ["a dashed wildcard-DNS name spelling loopback", "https://app-127-0-0-1.sslip.io/mcp"],
  ["a user name and password in the URL", "https://user:pass@tickets.example.com/mcp"],
  ["a token as the URL's user name", "https://s3cret@tickets.example.com/mcp"],
  ["an ftp URL", "ftp://tickets.example.com/mcp"],
  ["a file URL", "file:///etc/passwd"],
  ["a javascript URL", "javascript:alert(1)"],
  ["a gopher URL to an internal port", "gopher://127.0.0.1:6379/_INFO"],
  ["a URL without a scheme", "tickets.example.com/mcp"],
  ["an empty URL", ""],
  ["a URL longer than 2048 characters", `https://tickets.example.com/${"a".repeat(2100)}`],
];

describe("hostile upstream URLs, outside local dev", () => {
  it.for(refusedUrls)("refuses %s as invalid_host, stores nothing and contacts nothing", async ([, url]) => {
    const { result, stored, contacted } = await register("deployed", { id: "tickets", url });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_host", message: expect.stringMatching(/^url /) },
    });
    expect(stored).toEqual([]);
    expect(contacted).toEqual([]);
  });
});

const refusedInputs: [label: string, input: Record<string, unknown>, mentions: string][] = [
  ["a namespace that imitates a demo host", { id: "payments" }, "reserved"],
  ["the governance namespace", { id: "governance" }, "reserved"],
  ["a namespace carrying a dot, which would split tool names", { id: "tick.ets" }, "id"],
  ["the Worker's own admin token as the auth secret", { auth_secret: "ADMIN_TOKEN" }, "_AUTH"],
  ["Notion's token as the auth secret", { auth_secret: "NOTION_TOKEN" }, "_AUTH"],
  ["an auth header that smuggles a second header", { auth_header: "X-Key\r\nX-Evil: 1" }, "auth_header"],
  ["a timeout of an hour", { timeout_ms: 3_600_000 }, "timeout_ms"],
  ["a label of a thousand characters", { label: "x".repeat(1000) }, "label"],
];

describe("hostile registration inputs", () => {
  it.for(refusedInputs)("refuses %s, stores nothing and contacts nothing", async ([, override, mentions]) => {
    const { result, stored, contacted } = await register("deployed", {
      id: "tickets",
      url: "https://tickets.example.com/mcp",
      ...override,
    } as UpstreamHostInput);
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_host", message: expect.stringContaining(mentions) },
    });
    expect(stored).toEqual([]);
    expect(contacted).toEqual([]);
  });
});

const UNREACHABLE = (host: string) =>
  `host tickets could not be reached as an MCP server at ${host}: check the URL, that it serves MCP over Streamable HTTP, and its credentials`;

// Each plays a different public host: an open port that is not MCP, a closed one, one that stalls, one that redirects.
const unreachable: [label: string, answer: () => Response | Promise<Response>][] = [
  ["refuses the connection", () => HttpResponse.error()],
  ["answers HTTP 500", () => new HttpResponse("boom at db-7.internal:5432", { status: 500 })],
  ["answers HTTP 503", () => new HttpResponse("overloaded", { status: 503 })],
  ["answers HTTP 404 with a web page", () => HttpResponse.html("<h1>nginx</h1>", { status: 404 })],
  ["answers 401 asking for credentials", () => new HttpResponse("who are you", { status: 401 })],
  ["answers 200 with garbage", () => HttpResponse.text("SSH-2.0-OpenSSH_9.6\r\n")],
  ["answers 200 with JSON that is not JSON-RPC", () => HttpResponse.json({ hello: "world" })],
  [
    "answers initialize with a JSON-RPC error",
    () => HttpResponse.json({ jsonrpc: "2.0", id: 0, error: { code: -32600, message: "redis: WRONGTYPE" } }),
  ],
  ["answers with a body larger than 4 MB", () => HttpResponse.text("x".repeat(5 << 20))],
  [
    "starts an answer and never finishes it",
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (controller) => controller.enqueue(new TextEncoder().encode(": hold on\n\n")),
        }),
        { headers: { "content-type": "text/event-stream" } },
      ),
  ],
  [
    "redirects to the metadata service",
    () => new HttpResponse(null, { status: 302, headers: { location: "https://169.254.169.254/latest/meta-data/" } }),
  ],
  [
    "redirects to a public MCP server",
    () => new HttpResponse(null, { status: 307, headers: { location: "https://mcp.upstream.example/mcp" } }),
  ],
];

describe("registration cannot tell an open port from a closed one", () => {
  it.for(unreachable)(
    "a host that %s gets the one 'could not be reached' message and nothing is stored",
    async ([, answer]) => {
      const host = `probe-${crypto.randomUUID().slice(0, 8)}.upstream.example`;
      network.use(http.all(`https://${host}/*`, () => answer()));
      const followed = serve("https://mcp.upstream.example/mcp");
      const { result, stored, contacted } = await register("deployed", {
        id: "tickets",
        url: `https://${host}/mcp`,
        timeout_ms: 500,
      });
      expect(result).toEqual({ ok: false, error: { code: "host_unreachable", message: UNREACHABLE(host) } });
      expect(stored).toEqual([]);
      expect(contacted).toEqual([]);
      expect(followed.requests).toEqual([]);
    },
  );

  it("a host that stalls past the timeout gets the same message", async () => {
    const host = "stalls.upstream.example";
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    network.use(http.all(`https://${host}/*`, async () => (await held, HttpResponse.error())));
    try {
      const { result, stored } = await register("deployed", {
        id: "tickets",
        url: `https://${host}/mcp`,
        timeout_ms: 100,
      });
      expect(result).toEqual({ ok: false, error: { code: "host_unreachable", message: UNREACHABLE(host) } });
      expect(stored).toEqual([]);
    } finally {
      release();
    }
  });
});

const acceptedUrls: [label: string, url: string, stored: string][] = [
  ["a public https name", "https://tickets.upstream.example/mcp", "https://tickets.upstream.example/mcp"],
  [
    "a public name in capitals, stored normalized",
    "https://TICKETS2.Upstream.Example/mcp",
    "https://tickets2.upstream.example/mcp",
  ],
  [
    "a public name on another port",
    "https://tickets3.upstream.example:8443/mcp",
    "https://tickets3.upstream.example:8443/mcp",
  ],
  ["a public IPv4 address", "https://93.184.215.14/mcp", "https://93.184.215.14/mcp"],
  [
    "a public name that starts with digits",
    "https://1.2.3.4.upstream.example/mcp",
    "https://1.2.3.4.upstream.example/mcp",
  ],
];

describe("public https upstreams are registered outside local dev", () => {
  it.for(acceptedUrls)("accepts %s once it lists its tools", async ([, url, normalized]) => {
    const fake = serve(normalized);
    const { result, stored, contacted } = await register("deployed", { id: "tickets", url });
    expect(result).toMatchObject({ ok: true, host: { id: "tickets", url: normalized, tool_count: 3 } });
    expect(stored).toMatchObject([{ id: "tickets", url: normalized }]);
    expect(fake.calls("tools/list")).toHaveLength(1);
    expect(contacted).toEqual([]);
  });
});

describe("a public IPv6 upstream outside local dev", () => {
  // msw cannot serve a bracketed host, so the catch-all answers: the address passed and the host was asked.
  it("passes the address check and is contacted", async () => {
    const { result, contacted } = await register("deployed", {
      id: "tickets",
      url: "https://[2606:4700:4700::1111]/mcp",
    });
    expect(result).toMatchObject({ ok: false, error: { code: "host_unreachable" } });
    expect(contacted[0]).toBe("https://[2606:4700:4700::1111]/mcp");
  });
});

describe("under local dev", () => {
  it.for<[string, string]>([
    ["plain http on loopback", "http://127.0.0.1:9301/mcp"],
    ["plain http on localhost", "http://localhost:9302/mcp"],
    ["a private address", "http://10.1.2.3:9303/mcp"],
  ])("accepts %s, as `npm start` and the tests need", async ([, url]) => {
    const fake = serve(url);
    const { result } = await register("local", { id: "tickets", url });
    expect(result).toMatchObject({ ok: true, host: { url } });
    expect(fake.calls("tools/list")).toHaveLength(1);
  });

  it.for<[string, string]>([
    ["credentials in the URL", "http://admin:admin@127.0.0.1:9304/mcp"],
    ["an ftp URL", "ftp://127.0.0.1/mcp"],
  ])("still refuses %s", async ([, url]) => {
    const { result, stored, contacted } = await register("local", { id: "tickets", url });
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_host" } });
    expect(stored).toEqual([]);
    expect(contacted).toEqual([]);
  });
});

describe("a host stored under local dev, served outside it", () => {
  it("is never contacted: its calls fail host_rejected and its refresh records why", async () => {
    const url = "http://127.0.0.1:9310/mcp";
    const fake = serve(url);
    const tenant = uniqueTenant("moved");
    expect(await registry("local").registerUpstreamHost(tenant, { id: "tickets", url })).toMatchObject({ ok: true });
    const requests = fake.requests.length;

    const deployed = registry("deployed");
    const resolved = await deployed.resolve(tenant, "tickets.create_ticket");
    const answer = await resolved!.host.call(
      "create_ticket",
      { title: "x", priority: "low" },
      callContext(tenant, "inv_moved"),
    );
    expect(answer).toMatchObject({
      ok: false,
      error: { code: "host_rejected", retryable: false, message: expect.stringContaining("outside local dev") },
    });
    await deployed.refresh(tenant);
    expect((await deployed.listHosts(tenant))[0]?.error).toContain("outside local dev");
    expect(fake.requests.length).toBe(requests);
    expect(fake.tickets).toEqual([]);
  });
});

describe("the admin API outside local dev", () => {
  it.for<[string, string]>([
    ["the metadata service", "https://169.254.169.254/latest/meta-data/"],
    ["loopback as a decimal number", "https://2130706433/mcp"],
    ["plain http", "http://tickets.example.com/mcp"],
  ])("answers 400 invalid_host to %s and lists no host", async ([, url]) => {
    const tenant = uniqueTenant("adm");
    const app = createApp();
    const deployed = { ...env, ENVIRONMENT: "production" };
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
    const created = await app.fetch(
      new Request(`${BASE}/admin/tenants`, {
        method: "POST",
        headers,
        body: JSON.stringify({ id: tenant, name: "Adm" }),
      }),
      deployed,
      createExecutionContext(),
    );
    expect(created.status).toBe(201);
    const posted = await app.fetch(
      new Request(`${BASE}/admin/hosts`, {
        method: "POST",
        headers,
        body: JSON.stringify({ tenant, id: "tickets", url }),
      }),
      deployed,
      createExecutionContext(),
    );
    expect(posted.status).toBe(400);
    expect(await posted.json()).toMatchObject({ error: { code: "invalid_host" } });
    const listed = await app.fetch(
      new Request(`${BASE}/admin/hosts?tenant=${tenant}`, { headers }),
      deployed,
      createExecutionContext(),
    );
    expect(((await listed.json()) as { tools: unknown[] }).tools).toEqual([]);
  });
});
