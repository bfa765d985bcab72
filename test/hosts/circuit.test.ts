import { describe, expect, it } from "vitest";
import {
  admit,
  figures,
  freshHealth,
  observe,
  settingsFor,
  type HostHealth,
  type Observation,
} from "../../src/hosts/health/circuit";
import { hostHealthFor } from "../../src/hosts/health/host-health";
import type { Host } from "../../src/hosts/host";

const settings = settingsFor({ timeout_ms: 10_000 });
const T0 = Date.parse("2026-12-06T12:00:00.000Z");

const ok = (at: number, ms = 100): Observation => ({ at, ms, failed: false, probe: false });
const failure = (at: number, ms = 100): Observation => ({ at, ms, failed: true, probe: false });

/** The health after `observations`, in order. */
function after(observations: Observation[], from: HostHealth = freshHealth()): HostHealth {
  return observations.reduce((health, observation) => observe(health, observation, settings), from);
}

/** A circuit that opened at T0 after five failures. */
const opened = () => after([1, 2, 3, 4, 5].map((i) => failure(T0 - 5 + i)));

describe("the circuit breaker", () => {
  it("stays closed at four failures and opens at the fifth", () => {
    expect(after([1, 2, 3, 4].map((i) => failure(T0 + i))).circuit).toBe("closed");
    expect(after([1, 2, 3, 4, 5].map((i) => failure(T0 + i)))).toMatchObject({
      circuit: "open",
      retry_at: T0 + 5 + 30_000,
    });
  });

  it("does not open while failures are under half the window", () => {
    const mixed = [...Array.from({ length: 6 }, (_, i) => ok(T0 + i)), ...[6, 7, 8, 9, 10].map((i) => failure(T0 + i))];
    expect(after(mixed).circuit).toBe("closed");
  });

  it("forgets failures older than the window", () => {
    const old = [1, 2, 3, 4].map((i) => failure(T0 + i));
    expect(after([...old, failure(T0 + 60_005)]).circuit).toBe("closed");
  });

  it("fails calls fast until its cool-down ends, then lets one probe through and refuses the next caller", () => {
    const health = opened();
    expect(admit(health, T0 + 29_999, settings).admission).toEqual({ admitted: false, retry_at: T0 + 30_000 });
    const first = admit(health, T0 + 30_000, settings);
    expect(first.admission).toEqual({ admitted: true, probe: true });
    expect(first.health.circuit).toBe("half_open");
    expect(admit(first.health, T0 + 30_001, settings).admission).toEqual({
      admitted: false,
      retry_at: T0 + 30_000 + 15_000,
    });
  });

  it("closes with a fresh window when the probe succeeds", () => {
    const probing = admit(opened(), T0 + 30_000, settings).health;
    const closed = observe(probing, { ...ok(T0 + 30_100), probe: true }, settings);
    expect(closed).toMatchObject({ circuit: "closed", retry_at: null, probe_until: null });
    expect(figures(closed, T0 + 30_100, settings)).toMatchObject({ calls_in_window: 1, error_rate: 0 });
  });

  it("opens for another cool-down when the probe fails", () => {
    const probing = admit(opened(), T0 + 30_000, settings).health;
    expect(observe(probing, { ...failure(T0 + 30_100), probe: true }, settings)).toMatchObject({
      circuit: "open",
      retry_at: T0 + 30_100 + 30_000,
    });
  });

  it("lets another probe go when the first one's slot lapses without a report", () => {
    const probing = admit(opened(), T0 + 30_000, settings).health;
    expect(admit(probing, T0 + 45_000, settings).admission).toEqual({ admitted: true, probe: true });
  });

  it("is not moved by the late report of a call admitted before it opened", () => {
    const probing = admit(opened(), T0 + 30_000, settings).health;
    expect(observe(probing, ok(T0 + 30_050), settings).circuit).toBe("half_open");
    expect(observe(opened(), ok(T0 + 10), settings).circuit).toBe("open");
  });

  it("takes a host's own settings over the defaults", () => {
    const strict = settingsFor({ circuit: { min_failures: 2, cooldown_ms: 0 } });
    const health = [failure(T0), failure(T0 + 1)].reduce((h, o) => observe(h, o, strict), freshHealth());
    expect(health).toMatchObject({ circuit: "open", retry_at: T0 + 1 });
    expect(strict.window_calls).toBe(20);
  });
});

describe("a host's health figures", () => {
  it("give the window's call count, error rate, nearest-rank p50 and p95 and the last success", () => {
    const latencies = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    const health = after(latencies.map((ms, i) => (i === 19 ? failure(T0 + i, ms) : ok(T0 + i, ms))));
    expect(figures(health, T0 + 100, settings)).toEqual({
      circuit: "closed",
      retry_at: null,
      last_success_at: new Date(T0 + 18).toISOString(),
      last_failure_at: new Date(T0 + 19).toISOString(),
      calls_in_window: 20,
      error_rate: 0.05,
      p50_ms: 100,
      p95_ms: 190,
    });
  });

  it("are empty for a host with no calls in the window", () => {
    expect(figures(after([ok(T0)]), T0 + 60_000, settings)).toMatchObject({
      calls_in_window: 0,
      error_rate: null,
      p50_ms: null,
      last_success_at: new Date(T0).toISOString(),
    });
  });
});

describe("reports from the isolate to the host's health object", () => {
  it("go out with the next call when the send before them stalled (its request cut off mid-send)", async () => {
    const sent: number[] = [];
    const stub = {
      report: (reports: unknown[]) => {
        sent.push(reports.length);
        // The first send never answers, as when its request is cut off; later ones answer at once.
        return sent.length === 1 ? new Promise(() => {}) : Promise.resolve({});
      },
    };
    const env = { HOST_HEALTH: { idFromName: (name: string) => name, get: () => stub } };
    let clock = T0;
    const deferred: Promise<unknown>[] = [];
    const board = hostHealthFor(
      env as never,
      (work) => void deferred.push(work),
      () => clock,
    );
    const host = { id: "tickets", kind: "mcp", label: "Tickets", timeout_ms: 1_000 } as Host;

    board.observe("t_stalled_report", host, ok(clock));
    await new Promise((resolve) => setTimeout(resolve, 5));
    clock += 10_001;
    board.observe("t_stalled_report", host, ok(clock));
    await deferred[1];
    expect(sent).toEqual([1, 1]);
  });
});
