import type { ProxySnapshot } from '../config/model.js';
import type { HostRequestCounters } from '../../telemetry/envoy-request-stats.js';
import type { AdminHostView, AdminUpstreamView } from './admin-sources.js';
import type { EnvoyJson } from './snapshot-json.js';

/** One host of one cluster, with whatever is known about it. */
interface HostRow {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly hostname: string;
  readonly weight: number;
  readonly edsHealthy: boolean;
  readonly ejected: boolean;
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
  readonly priority: number;
  readonly rqActive: number;
  readonly counters: HostRequestCounters;
}

const ZERO: HostRequestCounters = Object.freeze({ rqTotal: 0, rqSuccess: 0, rqError: 0, rqTimeout: 0 });

/** Envoy's `health_flags`: `healthy`, or the reasons a host is out, `/`-prefixed. */
function healthFlags(h: HostRow): string {
  let flags = '';
  if (!h.edsHealthy) flags += '/failed_eds_health';
  if (h.ejected) flags += '/failed_outlier_check';
  return flags || 'healthy';
}

function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Hosts of a cluster: the upstream manager's live view when there is one, else the snapshot's endpoints. */
function hostRows(snapshot: ProxySnapshot, name: string, upstream: AdminUpstreamView | undefined, counters: ReadonlyMap<string, HostRequestCounters>): HostRow[] {
  const live: readonly AdminHostView[] | undefined = upstream?.cluster(name)?.allHosts;
  if (live) {
    return live.map((h) => ({
      key: h.key, address: h.address, port: h.port, hostname: h.hostname ?? '', weight: h.weight, edsHealthy: h.edsHealthy, ejected: h.ejected,
      region: h.locality.region ?? '', zone: h.locality.zone ?? '', subZone: h.locality.subZone ?? '', priority: h.priority, rqActive: h.activeRequests,
      counters: counters.get(h.key) ?? ZERO,
    }));
  }
  const cluster = snapshot.clusters.get(name);
  const assignment = cluster?.loadAssignment ?? snapshot.endpoints.get(name);
  const rows: HostRow[] = [];
  for (const l of assignment?.localities ?? []) {
    for (const e of l.endpoints) {
      const key = hostKey(e.address.address, e.address.port);
      rows.push({
        key, address: e.address.address, port: e.address.port, hostname: e.hostname ?? '', weight: e.weight,
        edsHealthy: e.health === 'HEALTHY' || e.health === 'UNKNOWN', ejected: false,
        region: l.locality.region ?? '', zone: l.locality.zone ?? '', subZone: l.locality.subZone ?? '', priority: l.priority, rqActive: 0,
        counters: counters.get(key) ?? ZERO,
      });
    }
  }
  return rows;
}

/** Inputs of the `/clusters` renderers. */
export interface ClustersInputs {
  readonly snapshot: ProxySnapshot;
  readonly upstream?: AdminUpstreamView;
  readonly hostCounters?: (cluster: string) => ReadonlyMap<string, HostRequestCounters>;
  /** Clusters that came over xDS (`added_via_api`). */
  readonly dynamicClusters?: ReadonlySet<string>;
}

const NO_COUNTERS: ReadonlyMap<string, HostRequestCounters> = new Map();

/**
 * Envoy's plain-text `/clusters`: per cluster its circuit-breaker thresholds and
 * `added_via_api`, then `cluster::host:port::stat::value` lines per host.
 */
export function renderClustersText(inputs: ClustersInputs): string {
  const out: string[] = [];
  const names = [...inputs.snapshot.clusters.keys()].sort();
  for (const name of names) {
    const c = inputs.snapshot.clusters.get(name)!;
    const cb = c.circuitBreakers;
    out.push(
      `${name}::observability_name::${name}`,
      `${name}::default_priority::max_connections::${cb.maxConnections}`,
      `${name}::default_priority::max_pending_requests::${cb.maxPendingRequests}`,
      `${name}::default_priority::max_requests::${cb.maxRequests}`,
      `${name}::default_priority::max_retries::${cb.maxRetries}`,
      `${name}::added_via_api::${inputs.dynamicClusters?.has(name) ?? false}`,
    );
    for (const h of hostRows(inputs.snapshot, name, inputs.upstream, inputs.hostCounters?.(name) ?? NO_COUNTERS)) {
      const p = `${name}::${h.key}::`;
      out.push(
        `${p}rq_active::${h.rqActive}`,
        `${p}rq_error::${h.counters.rqError}`,
        `${p}rq_success::${h.counters.rqSuccess}`,
        `${p}rq_timeout::${h.counters.rqTimeout}`,
        `${p}rq_total::${h.counters.rqTotal}`,
        `${p}hostname::${h.hostname}`,
        `${p}health_flags::${healthFlags(h)}`,
        `${p}weight::${h.weight}`,
        `${p}region::${h.region}`,
        `${p}zone::${h.zone}`,
        `${p}sub_zone::${h.subZone}`,
        `${p}canary::false`,
        `${p}priority::${h.priority}`,
        `${p}success_rate::-1`,
        `${p}local_origin_success_rate::-1`,
      );
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

/** `/clusters?format=json`, Envoy's `admin.v3.Clusters` message. */
export function renderClustersJson(inputs: ClustersInputs): EnvoyJson {
  const names = [...inputs.snapshot.clusters.keys()].sort();
  return {
    cluster_statuses: names.map((name) => ({
      name,
      observability_name: name,
      added_via_api: inputs.dynamicClusters?.has(name) ?? false,
      host_statuses: hostRows(inputs.snapshot, name, inputs.upstream, inputs.hostCounters?.(name) ?? NO_COUNTERS).map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: [
          { name: 'rq_active', type: 'GAUGE', value: String(h.rqActive) },
          { name: 'rq_error', value: String(h.counters.rqError) },
          { name: 'rq_success', value: String(h.counters.rqSuccess) },
          { name: 'rq_timeout', value: String(h.counters.rqTimeout) },
          { name: 'rq_total', value: String(h.counters.rqTotal) },
        ],
        health_status: { eds_health_status: h.edsHealthy ? 'HEALTHY' : 'UNHEALTHY', ...(h.ejected ? { failed_outlier_check: true } : {}) },
        weight: h.weight,
        hostname: h.hostname,
        locality: { region: h.region, zone: h.zone, sub_zone: h.subZone },
        priority: h.priority,
      })),
    })),
  };
}
