import type { ServiceModel, ServicePort } from '../../registry/model.js';
import { parseDuration, type ProtoDuration } from '../duration.js';
import { packAny, type ProtoObject } from '../protos.js';
import { jsonToStruct } from '../struct.js';
import { clusterName } from './cluster-name.js';
import type { DestinationRuleSpec } from '../../api/kinds/destination-rule/types.js';
import { applyUpstreamTls } from './cluster-tls.js';
import { credentialSecretName, reportCredentialProblem, sidecarUsesCredentials } from './credential-resolver.js';
import { applyConnectionPool, applyTrafficPolicy } from './cluster-traffic-policy.js';
import type { GeneratedResource, Generator } from './generator.js';
import { clusterPolicy, failoverLocality, loadAssignment } from './sidecar-endpoints.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';
import { inboundPorts } from './sidecar-workload.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';

/** Istio's fixed cluster names. */
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/** Istio binds inbound passthrough connections to this loopback source, so capture skips them. */
const INBOUND_PASSTHROUGH_BIND = '127.0.0.6';

const ADS_EDS = { ads: {}, resource_api_version: 'V3' };

function timeout(scope: SidecarScope): ProtoDuration {
  return parseDuration(scope.connectTimeout) ?? { seconds: 10, nanos: 0 };
}

/** Cluster metadata `istio.services` (and `subset`), as istioctl shows it. */
function istioMetadata(service: ServiceModel, subset: string, port: number): ProtoObject {
  const svc = { host: service.hostname, name: service.source.name, namespace: service.namespace };
  const meta: Record<string, unknown> = { services: [svc], default_original_port: port };
  if (subset) meta.subset = subset;
  return { filter_metadata: { istio: jsonToStruct(meta) } };
}

/**
 * One outbound cluster. Discovery follows the service's resolution (STATIC → EDS over
 * ADS; NONE or `simple: PASSTHROUGH` → ORIGINAL_DST; DNS → STRICT_DNS and
 * DNS_ROUND_ROBIN → LOGICAL_DNS with inline endpoints); the DestinationRule's policy
 * (port-level settings, subset merged over the top level) sets LB, pools, outlier
 * detection and TLS.
 */
export function outboundCluster(scope: SidecarScope, service: ServiceModel, port: ServicePort, subset: string): ProtoObject | undefined {
  const name = clusterName('outbound', port.port, subset, service.hostname);
  const drConfig = scope.destinationRuleFor(service.hostname);
  const dr = drConfig?.spec;
  let selector: Record<string, string> = {};
  if (subset !== '') {
    const s = dr?.subsets?.find((x) => x.name === subset);
    if (!s) return undefined;
    selector = s.labels ?? {};
  }
  const policy = clusterPolicy(scope, service.hostname, port.port, subset);
  const cluster: ProtoObject = { name };
  const passthrough = service.resolution === 'NONE' || policy?.loadBalancer?.simple === 'PASSTHROUGH';
  if (passthrough) {
    cluster.type = 'ORIGINAL_DST';
  } else if (service.resolution === 'DNS' || service.resolution === 'DNS_ROUND_ROBIN') {
    cluster.type = service.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS';
    cluster.dns_lookup_family = 'V4_ONLY';
    cluster.respect_dns_ttl = true;
    let eps = service.endpoints.filter((e) => e.servicePort === port.port && Object.entries(selector).every(([k, v]) => e.labels[k] === v));
    // Envoy's LOGICAL_DNS takes exactly one host.
    if (cluster.type === 'LOGICAL_DNS') eps = eps.slice(0, 1);
    cluster.load_assignment = loadAssignment(name, eps, { allowHostnames: true, failoverFrom: failoverLocality(scope, policy), clusterId: scope.proxy.clusterId });
  } else {
    cluster.type = 'EDS';
    cluster.eds_cluster_config = { service_name: name, eds_config: ADS_EDS };
  }
  applyTrafficPolicy(cluster, policy, {
    connectTimeout: scope.connectTimeout,
    protocol: port.protocol,
    meshH2Upgrade: scope.index.mesh.h2UpgradePolicy === 'UPGRADE',
    lb: !passthrough,
  });
  if (passthrough) cluster.lb_policy = 'CLUSTER_PROVIDED';
  const http2 = port.protocol === 'HTTP2' || port.protocol === 'GRPC' || port.protocol === 'GRPC-WEB';
  const useCredentialName = credentialNameApplies(scope, drConfig, policy?.tls?.credentialName);
  applyUpstreamTls(cluster, policy?.tls, { service, port: port.port, subset, trustDomain: scope.trustDomain, http2, useCredentialName }, scope.autoMtls);
  cluster.metadata = istioMetadata(service, subset, port.port);
  return cluster;
}

/**
 * Gateways always use a DestinationRule's `credentialName`; sidecars only when the rule has a
 * workloadSelector (Istio's rule). When a sidecar does not, that is said in the log once.
 */
function credentialNameApplies(scope: SidecarScope, dr: { name: string; namespace: string; spec: DestinationRuleSpec } | undefined, credentialName: string | undefined): boolean {
  if (scope.proxy.type === 'router' || sidecarUsesCredentials(dr?.spec)) return true;
  if (credentialName && dr) {
    reportCredentialProblem(scope.proxy, credentialSecretName(credentialName), `ignored on this sidecar: DestinationRule ${dr.namespace}/${dr.name} has no workloadSelector (Istio applies credentialName on sidecars only then); the connection uses no client certificate and no CA`);
  }
  return false;
}

/** `BlackHoleCluster`: STATIC with no endpoints, so every connection fails fast. */
export function blackHoleCluster(scope: SidecarScope): ProtoObject {
  return { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: timeout(scope), load_assignment: { cluster_name: BLACKHOLE_CLUSTER } };
}

/** `PassthroughCluster`: the original destination of traffic to hosts the mesh does not know. */
export function passthroughCluster(scope: SidecarScope): ProtoObject {
  const c: ProtoObject = { name: PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST' };
  applyConnectionPool(c, undefined, { connectTimeout: scope.connectTimeout });
  c.lb_policy = 'CLUSTER_PROVIDED';
  return c;
}

/** `InboundPassthroughCluster`: inbound traffic to ports no service declares, sent on from 127.0.0.6. */
export function inboundPassthroughCluster(scope: SidecarScope): ProtoObject {
  const c: ProtoObject = { name: INBOUND_PASSTHROUGH_CLUSTER, type: 'ORIGINAL_DST' };
  applyConnectionPool(c, undefined, { connectTimeout: scope.connectTimeout });
  c.lb_policy = 'CLUSTER_PROVIDED';
  c.upstream_bind_config = { source_address: { address: INBOUND_PASSTHROUGH_BIND, port_value: 0 } };
  return c;
}

/** `inbound|<port>||`: STATIC to the application (loopback, or the Sidecar ingress endpoint). */
export function inboundClusters(scope: SidecarScope): ProtoObject[] {
  const pool = scope.sidecar?.spec.inboundConnectionPool;
  return inboundPorts(scope).map((p) => {
    const name = clusterName('inbound', p.port, '', '');
    const c: ProtoObject = {
      name,
      type: 'STATIC',
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: p.endpointAddress, port_value: p.endpointPort } } } }] }] },
    };
    applyConnectionPool(c, pool, { connectTimeout: scope.connectTimeout, protocol: p.protocol });
    const first = p.services[0];
    if (first) c.metadata = istioMetadata(first.service, '', first.servicePort);
    return c;
  });
}

/** Every outbound cluster of the visible services: default and per-subset, per port. */
export function outboundClusters(scope: SidecarScope): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const service of scope.services) {
    const subsets = (scope.destinationRuleFor(service.hostname)?.spec.subsets ?? []).map((s) => s.name).filter((n): n is string => !!n);
    for (const port of service.ports) {
      for (const subset of ['', ...subsets]) {
        const c = outboundCluster(scope, service, port, subset);
        if (c) out.push(c);
      }
    }
  }
  return out;
}

function pack(clusters: readonly ProtoObject[], names: readonly string[] | undefined): GeneratedResource[] {
  const wanted = names ? new Set(names) : undefined;
  return clusters.filter((c) => !wanted || wanted.has(c.name as string)).map((c) => ({ name: c.name as string, resource: packAny(CLUSTER, c) }));
}

/**
 * CDS for sidecars (node type `sidecar`): outbound clusters of every visible service,
 * `BlackHoleCluster`, `PassthroughCluster`, `InboundPassthroughCluster` and the
 * workload's `inbound|<port>||` clusters.
 */
export const sidecarClusters: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  return pack([...outboundClusters(scope), blackHoleCluster(scope), passthroughCluster(scope), inboundPassthroughCluster(scope), ...inboundClusters(scope)], names);
};

/** CDS for gateways (node type `router`): outbound clusters and `BlackHoleCluster`, as Istio gives routers. */
export const gatewayClusters: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  return pack([...outboundClusters(scope), blackHoleCluster(scope)], names);
};
