import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import type { CircuitSettings } from "../host";
import {
  admit,
  figures,
  freshHealth,
  observe,
  settingsFor,
  type Admission,
  type HealthFigures,
  type HostHealth,
  type Observation,
} from "./circuit";

/** Whom a report or an admission is about: the host's id and its circuit's settings. */
export interface HostRef {
  id: string;
  circuit?: CircuitSettings;
  timeout_ms?: number;
}

/** What an isolate keeps of one host's circuit to answer calls without asking: its state and when it may probe. */
export interface CircuitView {
  circuit: HostHealth["circuit"];
  retry_at: number | null;
  probe_until: number | null;
}

/** Every host's circuit, by host id, as this object knows them. */
export type CircuitViews = Record<string, CircuitView>;

const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS host_health (host_id TEXT PRIMARY KEY, health TEXT NOT NULL)`;

/**
 * One tenant's host health: every host's window and circuit, kept by one writer so a half-open circuit lets exactly
 * one probe through whichever isolate asks. Isolates report calls after answering (never on the call path) and ask
 * it only while a circuit is not closed. State is stored in the object's SQLite, so an evicted object keeps it.
 */
export class HostHealthDO extends DurableObject<Env> {
  /** Times admissions and figures; tests replace it inside `runInDurableObject`. */
  clock: () => number = () => Date.now();
  readonly #sql: SqlStorage;
  readonly #hosts = new Map<string, HostHealth>();
  #loaded = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(SCHEMA_SQL);
  }

  /** Adds what calls showed about their hosts; answers every host's circuit. */
  report(reports: { host: HostRef; observation: Observation }[]): CircuitViews {
    for (const { host, observation } of reports)
      this.#store(host.id, observe(this.#health(host.id), observation, settingsFor(host)));
    return this.circuits();
  }

  /** Whether a call may go to `host` now (perhaps as its probe); answers every host's circuit too. */
  admit(host: HostRef): { admission: Admission; circuits: CircuitViews } {
    const before = this.#health(host.id);
    const { health, admission } = admit(before, this.clock(), settingsFor(host));
    if (health !== before) this.#store(host.id, health);
    return { admission, circuits: this.circuits() };
  }

  /** Every known host's circuit. */
  circuits(): CircuitViews {
    this.#loadAll();
    return Object.fromEntries(
      [...this.#hosts].map(([id, { circuit, retry_at, probe_until }]) => [id, { circuit, retry_at, probe_until }]),
    );
  }

  /** The figures of each host in `hosts` (a host never called has an empty window and a closed circuit). */
  figures(hosts: HostRef[]): Record<string, HealthFigures> {
    const now = this.clock();
    return Object.fromEntries(hosts.map((host) => [host.id, figures(this.#health(host.id), now, settingsFor(host))]));
  }

  /** Forgets a removed host's health. */
  forget(host_id: string): void {
    this.#hosts.delete(host_id);
    this.#sql.exec("DELETE FROM host_health WHERE host_id = ?", host_id);
  }

  #health(host_id: string): HostHealth {
    const known = this.#hosts.get(host_id);
    if (known) return known;
    const [row] = this.#sql
      .exec<{ health: string }>("SELECT health FROM host_health WHERE host_id = ?", host_id)
      .toArray();
    const health = row ? (JSON.parse(row.health) as HostHealth) : freshHealth();
    this.#hosts.set(host_id, health);
    return health;
  }

  #loadAll(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    for (const row of this.#sql.exec<{ host_id: string; health: string }>("SELECT host_id, health FROM host_health"))
      if (!this.#hosts.has(row.host_id)) this.#hosts.set(row.host_id, JSON.parse(row.health) as HostHealth);
  }

  #store(host_id: string, health: HostHealth): void {
    this.#hosts.set(host_id, health);
    this.#sql.exec(
      "INSERT INTO host_health (host_id, health) VALUES (?, ?) ON CONFLICT (host_id) DO UPDATE SET health = excluded.health",
      host_id,
      JSON.stringify(health),
    );
  }
}
