import { isIP } from 'node:net';
import { localityKey, type Locality } from '../../registry/locality.js';
import type { ServiceEndpoint } from '../../registry/model.js';
import { packAny, type ProtoObject } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';
import { parseClusterName } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { clusterNamesFor } from './grpc-clusters.js';

const CLUSTER_LOAD_ASSIGNMENT = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

/** Endpoints of one cluster: the service port's endpoints, narrowed by the subset's labels. */
export function clusterEndpoints(push: PushContext, proxy: ProxyInfo, name: string): ServiceEndpoint[] | undefined {
  const key = parseClusterName(name);
  if (!key || key.direction !== 'outbound') return undefined;
  const service = push.serviceFor(proxy, key.hostname);
  if (!service || !service.ports.some((p) => p.port === key.port)) return undefined;
  let selector: Record<string, string> = {};
  if (key.subset !== '') {
    const subset = push.destinationRuleFor(proxy, service.hostname)?.spec.subsets?.find((s) => s.name === key.subset);
    if (!subset) return undefined;
    selector = subset.labels ?? {};
  }
  return service.endpoints.filter((e) => e.servicePort === key.port && Object.entries(selector).every(([k, v]) => e.labels[k] === v));
}

function assignment(name: string, endpoints: readonly ServiceEndpoint[]): ProtoObject {
  const groups = new Map<string, { locality: Locality; lb: ProtoObject[]; weight: number }>();
  const seen = new Set<string>();
  for (const e of endpoints) {
    // gRPC accepts only IP literals, each address once per cluster.
    const addrKey = `${e.address}|${e.port}`;
    if (!isIP(e.address) || seen.has(addrKey)) continue;
    seen.add(addrKey);
    const k = localityKey(e.locality);
    let g = groups.get(k);
    if (!g) {
      g = { locality: e.locality, lb: [], weight: 0 };
      groups.set(k, g);
    }
    g.lb.push({
      endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
      health_status: e.health,
      load_balancing_weight: { value: e.weight },
    });
    if (e.health === 'HEALTHY') g.weight += e.weight;
  }
  return {
    cluster_name: name,
    // Every locality needs a weight, or the client drops it ("empty priority list").
    endpoints: [...groups.values()].map((g) => ({ locality: g.locality, lb_endpoints: g.lb, load_balancing_weight: { value: Math.max(1, g.weight) }, priority: 0 })),
  };
}

/**
 * EDS for proxyless gRPC: a ClusterLoadAssignment per cluster name, endpoints grouped by
 * locality with per-endpoint and per-locality weights; subset clusters keep only the
 * endpoints whose labels match the subset.
 */
export const grpcEndpoints: Generator = (push, proxy, names) => {
  const wanted = names ?? push.servicesFor(proxy).flatMap((s) => {
    const dr = push.destinationRuleFor(proxy, s.hostname)?.spec;
    return s.ports.flatMap((p) => clusterNamesFor(s, p.port, dr));
  });
  const out: GeneratedResource[] = [];
  for (const name of new Set(wanted)) {
    const eps = clusterEndpoints(push, proxy, name);
    if (eps) out.push({ name, resource: packAny(CLUSTER_LOAD_ASSIGNMENT, assignment(name, eps)) });
  }
  return out;
};
