/**
 * Which upstream URLs the gateway may contact. A Worker cannot resolve DNS, so the check reads the URL as fetch will
 * (the WHATWG parser turns `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1` and `[::ffff:127.0.0.1]` into one form) and
 * judges the host it names: a literal address must be public unicast, a name must not be one that only resolves
 * inside a network. Under local dev (`ENVIRONMENT=local`) private addresses and plain http are allowed.
 */

/** Where an upstream URL is judged: outside local dev only public https hosts pass. */
export interface UpstreamAddressPolicy {
  allowPrivate: boolean;
}

/** The verdict on an upstream URL: its normalized form, or why it is refused (a phrase after "url"). */
export type UpstreamUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** The longest upstream URL accepted. */
export const MAX_UPSTREAM_URL_LENGTH = 2048;

const OUTSIDE_LOCAL = "which is refused outside local dev";

// Suffixes of names that resolve only inside a network (RFC 6761, 6762 appendix G, 8375) or name metadata services
// (metadata.google.internal, instance-data.ec2.internal).
const PRIVATE_SUFFIXES = [
  "localhost",
  "local",
  "localdomain",
  "internal",
  "intranet",
  "private",
  "corp",
  "home",
  "lan",
  "home.arpa",
];

/** Checks an upstream URL against the policy; the normalized URL is what must be stored and fetched. */
export function checkUpstreamUrl(raw: string, policy: UpstreamAddressPolicy): UpstreamUrlCheck {
  if (raw.length > MAX_UPSTREAM_URL_LENGTH)
    return { ok: false, reason: `is longer than ${MAX_UPSTREAM_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must be an http(s) URL" };
  if (url.username !== "" || url.password !== "")
    return { ok: false, reason: "must not carry a user name or password (name a secret with auth_secret)" };
  if (policy.allowPrivate) return { ok: true, url: url.href };
  if (url.protocol !== "https:") return { ok: false, reason: `must use https, ${OUTSIDE_LOCAL}` };
  const refused = refusedHost(url.hostname);
  return refused ? { ok: false, reason: `${refused}, ${OUTSIDE_LOCAL}` } : { ok: true, url: url.href };
}

/** Why a normalized hostname may not be contacted outside local dev, or null when it may. */
function refusedHost(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const groups = ipv6Groups(hostname.slice(1, -1));
    return groups && isPublicIpv6(groups) ? null : "names a loopback, private, link-local or reserved IPv6 address";
  }
  const v4 = ipv4Number(hostname);
  if (v4 !== null) return isPublicIpv4(v4) ? null : "names a loopback, private, link-local or reserved IPv4 address";
  const name = hostname.replace(/\.+$/, "");
  if (!name.includes(".")) return "names a host without a domain (such as localhost or metadata)";
  if (PRIVATE_SUFFIXES.some((suffix) => name.endsWith(`.${suffix}`)))
    return "names a host that only resolves inside a network (.localhost, .local, .internal, …)";
  if (embedsPrivateIpv4(name)) return "names a host that embeds a private IPv4 address (as nip.io names do)";
  return null;
}

// The WHATWG parser has already turned every IPv4 notation into dotted decimal; anything else is a name.
function ipv4Number(hostname: string): number | null {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  if (!parts) return null;
  const octets = parts.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

// Special-purpose IPv4 ranges (RFC 6890 and successors): none is a public unicast destination.
const IPV4_REFUSED: [base: string, bits: number][] = [
  ["0.0.0.0", 8], // "this network", 0.0.0.0
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT; also Alibaba's metadata at 100.100.100.200
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local: cloud metadata at 169.254.169.254
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments; Oracle's metadata at 192.0.0.192
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255
];

function isPublicIpv4(address: number): boolean {
  return !IPV4_REFUSED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = ipv4Number(base)!;
    return address >= start && address < start + size;
  });
}

// Eight 16-bit groups from an IPv6 literal without brackets (with "::" and an optional dotted IPv4 tail).
function ipv6Groups(literal: string): number[] | null {
  let text = literal.toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (tail) {
    const v4 = ipv4Number(tail[1]!);
    if (v4 === null) return null;
    text = `${text.slice(0, -tail[1]!.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string) => (half === "" ? [] : half.split(":").map((group) => parseInt(group, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

// Only global unicast (2000::/3) is public, less documentation, Teredo and 6to4, which wrap other addresses. This
// refuses ::, ::1, IPv4-mapped and -compatible addresses, NAT64, link-local, unique-local and multicast at once.
function isPublicIpv6(groups: number[]): boolean {
  const [first, second] = groups as [number, number];
  if ((first & 0xe000) !== 0x2000) return false;
  if (first === 0x2001 && (second === 0x0db8 || second < 0x0200)) return false;
  return first !== 0x2002;
}

// Wildcard DNS services answer `10.0.0.1.nip.io` or `127-0-0-1.sslip.io` with the address they spell.
function embedsPrivateIpv4(name: string): boolean {
  const labels = name.split(".");
  for (let i = 0; i + 4 <= labels.length; i++) {
    const v4 = ipv4Number(labels.slice(i, i + 4).join("."));
    if (v4 !== null && !isPublicIpv4(v4)) return true;
  }
  return labels.some((label) => {
    const dashed = /(?:^|\D)(\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3})(?:\D|$)/.exec(label)?.[1];
    const v4 = dashed ? ipv4Number(dashed.replace(/-/g, ".")) : null;
    return v4 !== null && !isPublicIpv4(v4);
  });
}
