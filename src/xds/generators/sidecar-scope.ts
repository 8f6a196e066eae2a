import type { DestinationRuleSpec } from '../../api/kinds/destination-rule/types.js';
import type { OutboundTrafficPolicyMode } from '../../api/kinds/sidecar/types.js';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import { hostMatches } from '../../registry/hostname.js';
import type { ServiceModel } from '../../registry/model.js';
import type { ProxyInfo } from '../proxy.js';
import type { IndexedConfig, PushContext } from '../push-context.js';
import { meshIndex, namespaceDiscovered, type IndexedSidecar, type MeshIndex } from './sidecar-mesh-index.js';

/**
 * Everything one proxy may see in one push: the Sidecar resource that applies to it (if
 * any), narrowed by its egress hosts, `exportTo` and `meshConfig.discoverySelectors`.
 * Generators ask the scope, never the push context directly, so the rules live in one place.
 */
export interface SidecarScope {
  readonly push: PushContext;
  readonly proxy: ProxyInfo;
  readonly index: MeshIndex;
  /** The Sidecar resource that applies (sidecars only; gateways have none). */
  readonly sidecar?: IndexedSidecar;
  readonly outboundPolicy: OutboundTrafficPolicyMode;
  readonly trustDomain: string;
  readonly autoMtls: boolean;
  /** `meshConfig.connectTimeout`, Istio's default 10s. */
  readonly connectTimeout: string;
  /** Visible services, sorted by hostname. */
  readonly services: readonly ServiceModel[];
  serviceFor(hostname: string): ServiceModel | undefined;
  virtualServiceFor(hostname: string): IndexedConfig<VirtualServiceSpec> | undefined;
  destinationRuleFor(hostname: string): IndexedConfig<DestinationRuleSpec> | undefined;
}

const cache = new WeakMap<PushContext, Map<string, SidecarScope>>();

/** Two host patterns (each possibly `*` or `*.suffix`) that can name a common host. */
export function hostsIntersect(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a) || (a.startsWith('*') && b.startsWith('*'));
}

/** Istio's Sidecar selection: a selector match in the proxy's namespace, then that namespace's default, then the root namespace's. */
function sidecarFor(index: MeshIndex, proxy: ProxyInfo, rootNamespace: string): IndexedSidecar | undefined {
  if (proxy.type === 'router') return undefined;
  const inNs = index.sidecars.filter((s) => s.namespace === proxy.namespace);
  const selected = inNs.find((s) => {
    const sel = s.spec.workloadSelector?.labels;
    return sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => proxy.labels[k] === v);
  });
  const noSelector = (s: IndexedSidecar): boolean => !s.spec.workloadSelector?.labels || Object.keys(s.spec.workloadSelector.labels).length === 0;
  return selected ?? inNs.find(noSelector) ?? index.sidecars.find((s) => s.namespace === rootNamespace && noSelector(s));
}

/** `ns/host` egress entries as (namespace pattern, host pattern); namespace `.` is the Sidecar's own. */
function egressHosts(sidecar: IndexedSidecar | undefined): Array<{ ns: string; host: string }> | undefined {
  const listeners = sidecar?.spec.egress;
  if (!sidecar || !listeners || listeners.length === 0) return undefined;
  return listeners.flatMap((l) => l.hosts.map((h) => {
    const slash = h.indexOf('/');
    const ns = slash < 0 ? '*' : h.slice(0, slash);
    return { ns: ns === '.' ? sidecar.namespace : ns, host: slash < 0 ? h : h.slice(slash + 1) };
  }));
}

function egressAllows(egress: Array<{ ns: string; host: string }> | undefined, namespace: string, hosts: readonly string[]): boolean {
  if (!egress) return true;
  return egress.some((e) => e.ns !== '~' && (e.ns === '*' || e.ns === namespace) && hosts.some((h) => hostsIntersect(e.host, h)));
}

/** The proxy's scope for this push (cached per push and proxy id). */
export function sidecarScope(push: PushContext, proxy: ProxyInfo): SidecarScope {
  let perPush = cache.get(push);
  if (!perPush) {
    perPush = new Map();
    cache.set(push, perPush);
  }
  const key = `${proxy.id}|${proxy.namespace}|${JSON.stringify(proxy.labels)}|${proxy.type}`;
  const hit = perPush.get(key);
  if (hit) return hit;
  const index = meshIndex(push);
  const root = push.rootNamespace;
  const sidecar = sidecarFor(index, proxy, root);
  const egress = egressHosts(sidecar);
  const discovered = (ns: string): boolean => namespaceDiscovered(index, ns, root);
  const serviceVisible = (s: ServiceModel): boolean => discovered(s.namespace) && egressAllows(egress, s.namespace, [s.hostname]);
  const services = push.servicesFor(proxy).filter(serviceVisible);
  const scope: SidecarScope = {
    push,
    proxy,
    index,
    sidecar,
    outboundPolicy: sidecar?.spec.outboundTrafficPolicy?.mode ?? index.mesh.outboundTrafficPolicy?.mode ?? 'ALLOW_ANY',
    // The CA's trust domain is what certificates carry; MeshConfig's when the controller has no CA.
    trustDomain: push.trustDomain ?? index.mesh.trustDomain ?? 'cluster.local',
    autoMtls: index.mesh.enableAutoMtls ?? true,
    connectTimeout: index.mesh.connectTimeout ?? '10s',
    services,
    serviceFor: (hostname) => {
      const s = push.serviceFor(proxy, hostname);
      return s && serviceVisible(s) ? s : undefined;
    },
    virtualServiceFor: (hostname) => {
      const vs = push.virtualServiceFor(proxy, hostname);
      return vs && discovered(vs.namespace) && egressAllows(egress, vs.namespace, vs.hosts) ? vs : undefined;
    },
    destinationRuleFor: (hostname) => push.destinationRuleFor(proxy, hostname),
  };
  perPush.set(key, scope);
  return scope;
}
