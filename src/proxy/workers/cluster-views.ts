import type { ProxySnapshot } from '../config/model.js';
import type { HostRequestCounters } from '../../telemetry/envoy-request-stats.js';
import type { AdminClusterViews, AdminHostView, AdminUpstreamView } from '../admin/admin-sources.js';
import type { WorkerClusterState, WorkerHostState } from './worker-messages.js';

/**
 * A worker's live upstream state for every cluster of its snapshot, as plain data for the IPC
 * (the UpstreamManager's hosts carry functions and sockets that cannot be cloned).
 */
export function workerClusterStates(
  snapshot: ProxySnapshot,
  upstream: AdminUpstreamView,
  hostCounters: (cluster: string) => ReadonlyMap<string, HostRequestCounters>,
): WorkerClusterState[] {
  return [...snapshot.clusters.keys()].map((name) => {
    const live = upstream.cluster(name)?.allHosts;
    const hosts: WorkerHostState[] | undefined = live?.map((h) => ({
      key: h.key, address: h.address, port: h.port, weight: h.weight, edsHealthy: h.edsHealthy, ejected: h.ejected,
      hostname: h.hostname, locality: { ...h.locality }, priority: h.priority, activeRequests: h.activeRequests,
    }));
    const counters = [...hostCounters(name)].map(([key, c]) => [key, { rqTotal: c.rqTotal, rqSuccess: c.rqSuccess, rqError: c.rqError, rqTimeout: c.rqTimeout }] as const);
    return { name, ...(hosts ? { hosts } : {}), counters };
  });
}

/**
 * `/clusters` of the whole proxy from every worker's state: hosts are the union by address
 * (active requests and request counters add up); a host shows as ejected when any worker's
 * outlier detection ejected it, since each worker runs its own.
 */
export function mergeClusterStates(parts: readonly (readonly WorkerClusterState[])[]): AdminClusterViews {
  const hosts = new Map<string, Map<string, AdminHostView>>();
  const counters = new Map<string, Map<string, HostRequestCounters>>();
  for (const part of parts) {
    for (const c of part) {
      if (c.hosts) {
        let byKey = hosts.get(c.name);
        if (!byKey) hosts.set(c.name, (byKey = new Map()));
        for (const h of c.hosts) {
          const cur = byKey.get(h.key);
          byKey.set(h.key, cur ? { ...cur, activeRequests: cur.activeRequests + h.activeRequests, ejected: cur.ejected || h.ejected } : h);
        }
      }
      let byHost = counters.get(c.name);
      if (!byHost) counters.set(c.name, (byHost = new Map()));
      for (const [key, n] of c.counters) {
        const cur = byHost.get(key);
        byHost.set(key, cur
          ? { rqTotal: cur.rqTotal + n.rqTotal, rqSuccess: cur.rqSuccess + n.rqSuccess, rqError: cur.rqError + n.rqError, rqTimeout: cur.rqTimeout + n.rqTimeout }
          : { ...n });
      }
    }
  }
  const none: ReadonlyMap<string, HostRequestCounters> = new Map();
  return {
    upstream: {
      cluster: (name) => {
        const byKey = hosts.get(name);
        return byKey ? { allHosts: [...byKey.values()] } : undefined;
      },
    },
    hostCounters: (name) => counters.get(name) ?? none,
  };
}
