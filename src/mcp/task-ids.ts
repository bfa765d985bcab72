/**
 * Task ids handed to MCP 2026-07-28 clients for held calls: `task_<nonce>.<mac>`, where the MAC is HMAC-SHA256 under
 * the Worker's run signing key over the tenant, the agent and the nonce (the pattern of
 * src/runs/run-ids.ts, under its own label so a task id is never a run id). Checking one needs no D1 read: another
 * tenant's or agent's id, a changed character or a made-up id fails the MAC before any row is looked up.
 */
import { base64url, fromBase64url } from "../ids";

/** Whose task an id is: it is valid for this tenant's agent only. */
export interface TaskBinding {
  tenant_id: string;
  agent_id: string;
}

/** What checking a task id found. */
export type TaskIdCheck = { ok: true } | { ok: false; why: "not_configured" | "malformed" | "forged" };

/** Mints and checks task ids for one Worker. */
export interface TaskIds {
  /** A new signed task id for `binding`, or null when no signing key is configured (no tasks are handed out). */
  mint(binding: TaskBinding): Promise<string | null>;
  /** Whether `task_id` was minted by this Worker for `binding`. */
  check(task_id: string, binding: TaskBinding): Promise<TaskIdCheck>;
}

const SHAPE = /^task_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * Task ids signed with `secret` (the RUN_SIGNING_KEY secret, or the local default under local dev). With no secret,
 * nothing is minted and every id is refused: fail closed.
 * @example await taskIds("k").mint({ tenant_id: "acme", agent_id: "agt_1" }) // "task_…"
 */
export function taskIds(secret: string | null | undefined): TaskIds {
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
    async mint(binding) {
      if (!secret) return null;
      const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
      const mac = await crypto.subtle.sign("HMAC", await hmacKey(), signed(binding, nonce));
      return `task_${nonce}.${base64url(new Uint8Array(mac))}`;
    },
    async check(task_id, binding) {
      if (!secret) return { ok: false, why: "not_configured" };
      const parts = SHAPE.exec(task_id);
      const mac = parts ? fromBase64url(parts[2]!) : null;
      // Only the canonical spelling of the MAC: its last character has spare bits, so four spellings decode alike.
      if (!parts || !mac || base64url(mac) !== parts[2]) return { ok: false, why: "malformed" };
      // subtle.verify compares in constant time.
      const valid = await crypto.subtle.verify("HMAC", await hmacKey(), mac, signed(binding, parts[1]!));
      return valid ? { ok: true } : { ok: false, why: "forged" };
    },
  };
}

/** What the MAC covers; ids hold no newline, so the fields cannot run together. */
function signed(binding: TaskBinding, nonce: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    new TextEncoder().encode(["policy-os/task/v1", binding.tenant_id, binding.agent_id, nonce].join("\n")),
  );
}
