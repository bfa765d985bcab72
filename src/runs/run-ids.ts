/**
 * Minted run ids: `run_<issued>.<expires>.<nonce>.<mac>`, where the MAC is HMAC-SHA256 under the Worker's run
 * signing key over the tenant, the agent, both times and the nonce. Checking one needs the key and the caller's
 * principal only (no D1 read): another tenant's or agent's id, a changed time or a made-up id fails the MAC.
 */
import { base64url, fromBase64url } from "../ids";

/** How long a run lasts unless its minter asks otherwise: a day. */
export const DEFAULT_RUN_TTL_SECONDS = 86_400;
/** The longest run that may be minted: a week. */
export const MAX_RUN_TTL_SECONDS = 7 * 86_400;

/** Whose run an id is: it is valid for this tenant's agent only. */
export interface RunOwner {
  tenant_id: string;
  agent_id: string;
}

/** A run just minted: its id and when it stops being accepted. */
export interface MintedRun {
  run_id: string;
  issued_at: string;
  expires_at: string;
}

/** What checking a run id found: minted for this agent and still valid, or why not (every refusal is `unknown_run`). */
export type RunCheck =
  { ok: true; expires_at: string } | { ok: false; why: "not_configured" | "malformed" | "forged" | "expired" };

/** Mints and checks run ids for one Worker (the pipeline's and the admin API's port). */
export interface RunIds {
  mint(owner: RunOwner, now: Date, ttl_seconds?: number): Promise<MintedRun | null>;
  check(run_id: string, owner: RunOwner, now: Date): Promise<RunCheck>;
}

const SHAPE = /^run_([0-9a-z]{1,11})\.([0-9a-z]{1,11})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

/**
 * Run ids signed with `secret` (the RUN_SIGNING_KEY secret, or the local default under local dev). With no secret,
 * nothing can be minted (`mint` answers null) and every run id is refused: fail closed.
 * @example await runIds("k").mint({ tenant_id: "acme", agent_id: "agt_1" }, new Date()) // { run_id: "run_…", … }
 */
export function runIds(secret: string | null | undefined): RunIds {
  let key: Promise<CryptoKey> | null = null;
  const hmacKey = () =>
    (key ??= crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret ?? ""),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    ));
  return {
    async mint(owner, now, ttl_seconds = DEFAULT_RUN_TTL_SECONDS) {
      if (!secret) return null;
      const issued = Math.floor(now.getTime() / 1000);
      const expires = issued + Math.min(Math.max(1, Math.floor(ttl_seconds)), MAX_RUN_TTL_SECONDS);
      const nonce = base64url(crypto.getRandomValues(new Uint8Array(12)));
      const body = [issued.toString(36), expires.toString(36), nonce] as const;
      const mac = await crypto.subtle.sign("HMAC", await hmacKey(), signed(owner, body));
      return {
        run_id: `run_${body.join(".")}.${base64url(new Uint8Array(mac))}`,
        issued_at: new Date(issued * 1000).toISOString(),
        expires_at: new Date(expires * 1000).toISOString(),
      };
    },
    async check(run_id, owner, now) {
      if (!secret) return { ok: false, why: "not_configured" };
      const parts = SHAPE.exec(run_id);
      const mac = parts ? fromBase64url(parts[4]!) : null;
      // Only the canonical spelling of the MAC: its last character has spare bits, so four spellings decode alike,
      // and each would otherwise be another run id (another per-run budget) for one minted run.
      if (!parts || !mac || base64url(mac) !== parts[4]) return { ok: false, why: "malformed" };
      const body = [parts[1]!, parts[2]!, parts[3]!] as const;
      // subtle.verify compares in constant time.
      if (!(await crypto.subtle.verify("HMAC", await hmacKey(), mac, signed(owner, body))))
        return { ok: false, why: "forged" };
      const expires = parseInt(body[1], 36) * 1000;
      if (!(expires > now.getTime())) return { ok: false, why: "expired" };
      return { ok: true, expires_at: new Date(expires).toISOString() };
    },
  };
}

/** What the MAC covers; ids hold no newline, so the fields cannot run together. */
function signed(owner: RunOwner, [issued, expires, nonce]: readonly [string, string, string]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    new TextEncoder().encode(["policy-os/run/v1", owner.tenant_id, owner.agent_id, issued, expires, nonce].join("\n")),
  );
}
