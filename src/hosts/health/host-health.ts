import type { Env } from "../../env";
import type { Host } from "../host";
import type { Admission, HealthFigures, Observation } from "./circuit";
import type { CircuitViews, HostHealthDO, HostRef } from "./host-health.do";

/**
 * Each tenant's circuits as this isolate last heard them from the tenant's HostHealthDO, with when. Calls read it
 * without awaiting anything; replies to reports and admissions, and a refresh deferred when it is older than
 * REFRESH_MS, keep it current. Soft state: losing it (a new isolate) only means asking again.
 */
const heard = new Map<string, { circuits: CircuitViews; at: number; refreshing: boolean }>();
const MAX_TENANTS = 10_000;

/** One report: what a call showed about its host; `taken` once a request carries it. */
type Report = { host: HostRef; observation: Observation; taken?: true };

/**
 * Reports waiting to go to each tenant's object, and whether a flush is under way. An isolate keeps one report
 * request in flight per tenant and sends what arrived meanwhile in the next, so concurrent calls cost one request,
 * not one each.
 */
const outbox = new Map<string, { reports: Report[]; flushing: { since: number } | null }>();
/** How often a report waiting behind another request's flush checks whether it may send. */
const FLUSH_POLL_MS = 2;
/** How long a flush may be in flight before the next report stops waiting for it (its request was cut off). */
const FLUSH_STALLED_MS = 10_000;

/** How old this isolate's copy of a tenant's circuits may be before a call defers a refresh. */
export const REFRESH_MS = 2_000;
/** When the health object cannot be asked while a circuit is not closed, the call waits this long (fails closed). */
const UNANSWERED_RETRY_MS = 5_000;

/** The circuit breaker and health figures of a tenant's hosts, as the pipeline and the admin API use them. */
export interface HostHealthBoard {
  /**
   * Whether a call may go to `host` now. While the circuit is closed (or unknown here) this answers from the
   * isolate without a round trip; only when this isolate's copy says a probe may go does it ask the tenant's object,
   * which lets one probe through. Never rejects: an object that cannot be asked refuses the call for a while.
   */
  admit(tenant_id: string, host: Host): Promise<Admission>;
  /** Reports what a call showed about `host` after the answer (deferred); never throws. */
  observe(tenant_id: string, host: Host, observation: Observation): void;
  /** Each host's health figures (the admin API; awaited). */
  figures(tenant_id: string, hosts: HostRef[]): Promise<Record<string, HealthFigures>>;
  /** Each host's circuit as this isolate knows it now (tools/list reads it; no round trip). */
  circuits(tenant_id: string): CircuitViews;
  /** Forgets a removed host's health. */
  forget(tenant_id: string, host_id: string): Promise<void>;
}

/** The board over the HOST_HEALTH binding; `defer` keeps reports going after the answer (the Worker's waitUntil). */
export function hostHealthFor(
  env: Pick<Env, "HOST_HEALTH">,
  defer: (work: Promise<unknown>) => void,
  now: () => number = Date.now,
): HostHealthBoard {
  const object = (tenant_id: string) =>
    env.HOST_HEALTH.get(env.HOST_HEALTH.idFromName(tenant_id)) as unknown as HealthObject;
  const remember = (tenant_id: string, circuits: CircuitViews) => {
    if (!heard.has(tenant_id) && heard.size >= MAX_TENANTS) heard.delete(heard.keys().next().value!);
    heard.set(tenant_id, { circuits, at: now(), refreshing: false });
  };
  const later = (what: string, work: () => Promise<unknown>) => {
    try {
      defer(work().catch((error) => console.error(`${what}: ${error instanceof Error ? error.message : error}`)));
    } catch (error) {
      console.error(`${what}: ${error instanceof Error ? error.message : error}`);
    }
  };
  const refreshIfStale = (tenant_id: string) => {
    const copy = heard.get(tenant_id);
    if (copy && (copy.refreshing || now() - copy.at < REFRESH_MS)) return;
    if (copy) copy.refreshing = true;
    else heard.set(tenant_id, { circuits: {}, at: now(), refreshing: true });
    later(`host health of ${tenant_id} not refreshed`, async () =>
      remember(tenant_id, await object(tenant_id).circuits()),
    );
  };

  return {
    async admit(tenant_id, host) {
      refreshIfStale(tenant_id);
      const view = heard.get(tenant_id)?.circuits[host.id];
      if (!view || view.circuit === "closed") return { admitted: true, probe: false };
      const waitUntil = view.circuit === "open" ? view.retry_at : view.probe_until;
      if (waitUntil !== null && now() < waitUntil) return { admitted: false, retry_at: waitUntil };
      try {
        const { admission, circuits } = await object(tenant_id).admit(refOf(host));
        remember(tenant_id, circuits);
        return admission;
      } catch (error) {
        console.error(`host health of ${tenant_id} unanswered: ${error instanceof Error ? error.message : error}`);
        return { admitted: false, retry_at: now() + UNANSWERED_RETRY_MS };
      }
    },
    observe(tenant_id, host, observation) {
      const queue = outbox.get(tenant_id) ?? { reports: [], flushing: null };
      outbox.set(tenant_id, queue);
      const report: Report = { host: refOf(host), observation };
      queue.reports.push(report);
      // This request sends its report itself, in its own context, unless another request's flush took it. While a
      // flush is in flight it checks again after FLUSH_POLL_MS on a timer of its own, then sends everything queued:
      // awaiting the other request's promise would resume it in that request's async context, whose RPCs workerd
      // refuses ("Cannot perform I/O on behalf of a different request"), and the reports would be lost.
      later(`health of host ${host.id} not reported`, async () => {
        while (!report.taken) {
          if (queue.flushing && now() - queue.flushing.since <= FLUSH_STALLED_MS) {
            await new Promise((resolve) => setTimeout(resolve, FLUSH_POLL_MS));
            continue;
          }
          const batch = queue.reports.splice(0);
          for (const taken of batch) taken.taken = true;
          const flush = (queue.flushing = { since: now() });
          try {
            remember(
              tenant_id,
              await object(tenant_id).report(batch.map(({ host, observation }) => ({ host, observation }))),
            );
          } catch (error) {
            console.error(
              `health of ${batch.length} calls not reported: ${error instanceof Error ? error.message : error}`,
            );
          } finally {
            if (queue.flushing === flush) queue.flushing = null;
            if (queue.reports.length === 0) outbox.delete(tenant_id);
          }
        }
      });
    },
    async figures(tenant_id, hosts) {
      const stub = object(tenant_id);
      const [figures, circuits] = await Promise.all([stub.figures(hosts), stub.circuits()]);
      remember(tenant_id, circuits);
      return figures;
    },
    circuits(tenant_id) {
      refreshIfStale(tenant_id);
      return heard.get(tenant_id)?.circuits ?? {};
    },
    async forget(tenant_id, host_id) {
      await object(tenant_id).forget(host_id);
      heard.delete(tenant_id);
    },
  };
}

/** The health object's methods as RPC serves them: each answers a promise. */
type HealthObject = {
  [K in "report" | "admit" | "circuits" | "figures" | "forget"]: (
    ...args: Parameters<HostHealthDO[K]>
  ) => Promise<ReturnType<HostHealthDO[K]>>;
};

/** What the health object needs of a host: plain data (a Host's methods must not cross RPC). */
function refOf(host: Pick<Host, "id" | "circuit" | "timeout_ms">): HostRef {
  return {
    id: host.id,
    ...(host.circuit ? { circuit: host.circuit } : {}),
    ...(host.timeout_ms !== undefined ? { timeout_ms: host.timeout_ms } : {}),
  };
}
