import { isIP } from 'node:net';
import type { TrafficPolicy } from '../../api/kinds/destination-rule/types.js';
import { localityKey, type Locality } from '../../registry/locality.js';
import type { ServiceEndpoint } from '../../registry/model.js';
import { packAny, type ProtoObject } from '../protos.js';
import { jsonToStruct } from '../struct.js';
import { parseClusterName } from './cluster-name.js';
import type { GeneratedResource, Generator } from './generator.js';
import { clusterEndpoints } from './grpc-endpoints.js';
import { clusterNamesFor, mergeSubset, policyForPort } from './grpc-clusters.js';
import { sidecarScope, type SidecarScope } from './sidecar-scope.js';

const CLUSTER_LOAD_ASSIGNMENT = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

/** Label a workload sets to say whether it runs a sidecar (Istio's `security.istio.io/tlsMode`). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/**
 * `istio` when the endpoint has a sidecar that terminates mesh mTLS, else `disabled`.
 * Istio reads the label, and for WorkloadEntries without it assumes a sidecar when a
 * service account is set; the registry defaults the account to `default`, so only an
 * explicit one counts here.
 */
export function endpointTlsMode(e: ServiceEndpoint): 'istio' | 'disabled' {
  const label = e.labels[TLS_MODE_LABEL];
  if (label) return label === 'istio' ? 'istio' : 'disabled';
  return e.serviceAccount && e.serviceAccount !== 'default' ? 'istio' : 'disabled';
}

/**
 * Istio's locality failover priorities relative to the proxy: 0 same region/zone/subzone,
 * 1 same zone, 2 same region, 3 elsewhere; gaps are then closed so priorities are dense.
 */
function localityPriority(proxy: Locality, l: Locality): number {
  if (proxy.region === '') return 0;
  if (l.region !== proxy.region) return 3;
  if (l.zone !== proxy.zone) return 2;
  if (l.sub_zone !== proxy.sub_zone) return 1;
  return 0;
}

/** Options of {@link loadAssignment}. */
export interface AssignmentOptions {
  /** The proxy's locality, when failover priorities apply. */
  readonly failoverFrom?: Locality;
  /** Keep host names (STRICT_DNS / LOGICAL_DNS clusters); EDS takes IP literals only. */
  readonly allowHostnames?: boolean;
  readonly clusterId?: string;
}

/**
 * A ClusterLoadAssignment: endpoints grouped by locality (each with the sum of its healthy
 * endpoints' weights, never 0), endpoint weight and health, metadata carrying the
 * endpoint's `tlsMode` (what auto-mTLS transport socket matches read) and its workload.
 */
export function loadAssignment(name: string, endpoints: readonly ServiceEndpoint[], opts: AssignmentOptions = {}): ProtoObject {
  const groups = new Map<string, { locality: Locality; lb: ProtoObject[]; weight: number }>();
  const seen = new Set<string>();
  for (const e of endpoints) {
    const addrKey = `${e.address}|${e.port}`;
    if ((!opts.allowHostnames && !isIP(e.address)) || seen.has(addrKey)) continue;
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
      metadata: {
        filter_metadata: {
          'envoy.transport_socket_match': jsonToStruct({ tlsMode: endpointTlsMode(e) }),
          istio: jsonToStruct({ workload: `${e.workloadName};${e.namespace};;;${opts.clusterId ?? 'Kubernetes'}` }),
        },
      },
    });
    if (e.health === 'HEALTHY') g.weight += e.weight;
  }
  const list = [...groups.values()];
  const raw = list.map((g) => (opts.failoverFrom ? localityPriority(opts.failoverFrom, g.locality) : 0));
  const dense = [...new Set(raw)].sort((a, b) => a - b);
  return {
    cluster_name: name,
    endpoints: list.map((g, i) => ({ locality: g.locality, lb_endpoints: g.lb, load_balancing_weight: { value: Math.max(1, g.weight) }, priority: dense.indexOf(raw[i]!) })),
  };
}

/** The merged traffic policy of an outbound cluster (subset over top level, narrowed to the port). */
export function clusterPolicy(scope: SidecarScope, hostname: string, port: number, subset: string): TrafficPolicy | undefined {
  const dr = scope.destinationRuleFor(hostname)?.spec;
  if (subset === '') return policyForPort(dr?.trafficPolicy, port);
  return mergeSubset(dr?.trafficPolicy, dr?.subsets?.find((s) => s.name === subset)?.trafficPolicy, port);
}

/** Failover applies, as in Istio, when outlier detection is on and locality LB is not disabled. */
export function failoverLocality(scope: SidecarScope, policy: TrafficPolicy | undefined): Locality | undefined {
  if (!policy?.outlierDetection) return undefined;
  const meshEnabled = (scope.index.mesh.localityLbSetting as { enabled?: boolean } | undefined)?.enabled;
  if (policy.loadBalancer?.localityLbSetting?.enabled === false || meshEnabled === false) return undefined;
  return scope.proxy.locality;
}

/** EDS for one cluster name; undefined for names that are not a visible outbound EDS cluster. */
export function edsFor(scope: SidecarScope, name: string): GeneratedResource | undefined {
  const key = parseClusterName(name);
  if (!key || key.direction !== 'outbound') return undefined;
  const service = scope.serviceFor(key.hostname);
  if (!service || (service.resolution !== 'STATIC')) return undefined;
  const eps = clusterEndpoints(scope.push, scope.proxy, name);
  if (!eps) return undefined;
  const policy = clusterPolicy(scope, service.hostname, key.port, key.subset);
  const cla = loadAssignment(name, eps, { failoverFrom: failoverLocality(scope, policy), clusterId: scope.proxy.clusterId });
  return { name, resource: packAny(CLUSTER_LOAD_ASSIGNMENT, cla) };
}

/** Every EDS cluster name the proxy sees: default and subset clusters of visible STATIC services. */
export function edsClusterNames(scope: SidecarScope): string[] {
  return scope.services.filter((s) => s.resolution === 'STATIC').flatMap((s) => {
    const dr = scope.destinationRuleFor(s.hostname)?.spec;
    return s.ports.flatMap((p) => clusterNamesFor(s, p.port, dr));
  });
}

/**
 * EDS for sidecars and gateways: a ClusterLoadAssignment per outbound EDS cluster, subset
 * clusters narrowed to the subset's labels, localities weighted and (with outlier
 * detection) prioritised relative to the proxy's own locality.
 */
export const sidecarEndpoints: Generator = (push, proxy, names) => {
  const scope = sidecarScope(push, proxy);
  const out: GeneratedResource[] = [];
  for (const name of new Set(names ?? edsClusterNames(scope))) {
    const r = edsFor(scope, name);
    if (r) out.push(r);
  }
  return out;
};
