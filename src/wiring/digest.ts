import { narrateDigest } from "../claude";
import type { DigestPorts } from "../digest/ports";
import type { Env } from "../env";
import { notionDigestPages } from "../notion/digest/digest-pages";

/**
 * The weekly digest's ports in the Worker: pages in each tenant's Notion Digests database, narratives by Claude.
 * The cron (src/index.ts) and POST /admin/digest write digests through these.
 */
export function digestPorts(env: Env): DigestPorts {
  return { pages: notionDigestPages(env), narrate: (figures) => narrateDigest(env, figures) };
}
