import type { DestinationRuleSpec, TrafficPolicy } from '../../api/kinds/destination-rule/types.js';
import type { ServiceModel } from '../../registry/model.js';
import { packAny, type ProtoObject } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';
import { clusterName, parseClusterName } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { applyGrpcUpstreamTls } from './grpc-cluster-tls.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';

/** Port-level settings override the policy's own, as Istio merges them. */
export function policyForPort(policy: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  if (!policy) return undefined;
  const pl = policy.portLevelSettings?.find((p) => p.port?.number === port);
  return pl ? { ...policy, ...Object.fromEntries(Object.entries(pl).filter(([k]) => k !== 'port')) } : policy;
}

/** A subset's policy merged over the top-level one, both narrowed to `port`. */
export function mergeSubset(base: TrafficPolicy | undefined, subset: TrafficPolicy | undefined, port: number): TrafficPolicy | undefined {
  const b = policyForPort(base, port);
  const s = policyForPort(subset, port);
  if (!s) return b;
  return { ...(b ?? {}), ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) };
}

/** gRPC clients support round robin and ring hash only; other simple policies fall back to round robin. */
function applyLoadBalancer(cluster: ProtoObject, policy: TrafficPolicy | undefined): void {
  const ch = policy?.loadBalancer?.consistentHash;
  if (ch) {
    const min = Number(ch.ringHash?.minimumRingSize ?? ch.minimumRingSize ?? 1024);
    cluster.lb_policy = 'RING_HASH';
    cluster.ring_hash_lb_config = { minimum_ring_size: { value: String(min) }, hash_function: 'XX_HASH' };
  } else {
    cluster.lb_policy = 'ROUND_ROBIN';
  }
  const maxRequests = policy?.connectionPool?.http?.http2MaxRequests;
  if (maxRequests && maxRequests > 0) {
    cluster.circuit_breakers = { thresholds: [{ priority: 'DEFAULT', max_requests: { value: maxRequests } }] };
  }
}

function edsCluster(name: string, policy: TrafficPolicy | undefined, service: ServiceModel, push: PushContext): GeneratedResource {
  const cluster: ProtoObject = {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: { ads: {}, resource_api_version: 'V3' } },
  };
  applyLoadBalancer(cluster, policy);
  applyGrpcUpstreamTls(cluster, policy?.tls, service, push);
  return { name, resource: packAny(CLUSTER, cluster) };
}

/** Every cluster name a service port yields: the default one and one per DestinationRule subset. */
export function clusterNamesFor(service: ServiceModel, port: number, dr: DestinationRuleSpec | undefined): string[] {
  return [clusterName('outbound', port, '', service.hostname), ...(dr?.subsets ?? []).filter((s) => s.name).map((s) => clusterName('outbound', port, s.name!, service.hostname))];
}

function buildOne(push: PushContext, proxy: ProxyInfo, name: string): GeneratedResource | undefined {
  const key = parseClusterName(name);
  if (!key || key.direction !== 'outbound') return undefined;
  const service = push.serviceFor(proxy, key.hostname);
  if (!service || !service.ports.some((p) => p.port === key.port)) return undefined;
  const dr = push.destinationRuleFor(proxy, service.hostname)?.spec;
  if (key.subset === '') return edsCluster(name, policyForPort(dr?.trafficPolicy, key.port), service, push);
  const subset = dr?.subsets?.find((s) => s.name === key.subset);
  if (!subset) return undefined;
  return edsCluster(name, mergeSubset(dr?.trafficPolicy, subset.trafficPolicy, key.port), service, push);
}

/**
 * CDS for proxyless gRPC: `outbound|<port>||<fqdn>` per service port and
 * `outbound|<port>|<subset>|<fqdn>` per DestinationRule subset, all EDS over ADS, with the
 * DestinationRule's load balancer (merged per subset and port), and mTLS from the bootstrap's
 * certificate provider when the rule says ISTIO_MUTUAL. Wildcard lists them all.
 */
export const grpcClusters: Generator = (push, proxy, names) => {
  const wanted = names ?? push.servicesFor(proxy).flatMap((s) => {
    const dr = push.destinationRuleFor(proxy, s.hostname)?.spec;
    return s.ports.flatMap((p) => clusterNamesFor(s, p.port, dr));
  });
  const out: GeneratedResource[] = [];
  for (const name of new Set(wanted)) {
    const c = buildOne(push, proxy, name);
    if (c) out.push(c);
  }
  return out;
};
