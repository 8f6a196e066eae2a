import { UNKNOWN } from './workload-labels.js';

/** Istio's `destination_service`, `_name` and `_namespace` labels. */
export interface DestinationService {
  readonly service: string;
  readonly name: string;
  readonly namespace: string;
}

/** `reviews.default.svc.cluster.local` → name `reviews`, namespace `default`; other hosts keep their full name. */
export function splitServiceHost(host: string): DestinationService {
  const i = host.indexOf('.svc.');
  if (i > 0) {
    const dot = host.indexOf('.');
    if (dot > 0 && dot < i) return { service: host, name: host.slice(0, dot), namespace: host.slice(dot + 1, i) };
  }
  return { service: host, name: host, namespace: UNKNOWN };
}

/**
 * The destination service of a request from its cluster, the way Istio's stats read it:
 * cluster metadata first, then the host part of `outbound|<port>|<subset>|<host>`; the
 * passthrough and black-hole clusters report the address actually used.
 */
export function destinationServiceOf(cluster: string | undefined, serviceName: string | undefined, upstreamHost: string | undefined): DestinationService {
  if (serviceName) return splitServiceHost(serviceName);
  if (cluster === undefined || cluster === '') return { service: UNKNOWN, name: UNKNOWN, namespace: UNKNOWN };
  if (cluster.startsWith('outbound|')) {
    const host = cluster.slice(cluster.lastIndexOf('|') + 1);
    if (host) return splitServiceHost(host);
  }
  if (cluster === 'PassthroughCluster' || cluster === 'InboundPassthroughCluster' || cluster === 'BlackHoleCluster') {
    return { service: upstreamHost ?? UNKNOWN, name: cluster, namespace: UNKNOWN };
  }
  return { service: UNKNOWN, name: UNKNOWN, namespace: UNKNOWN };
}
