import type { RequestAuthenticationSpec } from '../../api/kinds/request-authentication/types.js';
import type { Resource } from '../../api/resource.js';
import type { PushContext } from '../push-context.js';
import type { ProxyInfo } from '../proxy.js';

/** A RequestAuthentication as the jwt_authn generator reads it. */
export interface IndexedRequestAuthentication {
  readonly name: string;
  readonly namespace: string;
  readonly spec: RequestAuthenticationSpec;
  readonly creationTimestamp?: string;
}

const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

const cache = new WeakMap<PushContext, readonly IndexedRequestAuthentication[]>();

/** Every RequestAuthentication of a push, oldest first, indexed once per push. */
export function requestAuthentications(push: PushContext): readonly IndexedRequestAuthentication[] {
  const hit = cache.get(push);
  if (hit) return hit;
  const out: IndexedRequestAuthentication[] = [];
  for (const r of push.resources as readonly Resource<unknown>[]) {
    if (r.kind !== 'RequestAuthentication' || !r.apiVersion.startsWith('security.istio.io/')) continue;
    out.push(Object.freeze({ name: r.metadata.name, namespace: r.metadata.namespace ?? 'default', spec: (r.spec ?? {}) as RequestAuthenticationSpec, creationTimestamp: r.metadata.creationTimestamp }));
  }
  out.sort((a, b) => (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const frozen = Object.freeze(out);
  cache.set(push, frozen);
  return frozen;
}

/**
 * Whether a policy applies to a proxy, by istiod's rules: a policy in the root namespace
 * applies mesh wide and one elsewhere to its own namespace; a selector's labels must all be on
 * the workload; with targetRef(s), only a Gateway API Gateway of the policy's namespace whose
 * deployment carries `gateway.networking.k8s.io/gateway-name` (Service targets are for
 * waypoints, which Plexus does not run).
 */
function applies(p: IndexedRequestAuthentication, proxy: ProxyInfo, rootNamespace: string): boolean {
  const refs = [...(p.spec.targetRef ? [p.spec.targetRef] : []), ...(p.spec.targetRefs ?? [])];
  if (refs.length > 0) {
    if (p.namespace !== proxy.namespace) return false;
    const gateway = proxy.labels[GATEWAY_NAME_LABEL];
    return gateway !== undefined && refs.some((r) => r.kind === 'Gateway' && (r.group ?? '') === GATEWAY_API_GROUP && r.name === gateway);
  }
  if (p.namespace !== rootNamespace && p.namespace !== proxy.namespace) return false;
  return Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => proxy.labels[k] === v);
}

/**
 * The RequestAuthentications that apply to a sidecar or gateway: the workload's namespace
 * first, then the root namespace, each oldest first (istiod's lookup order). Unlike
 * PeerAuthentication, all of them apply together.
 */
export function requestAuthenticationsFor(push: PushContext, proxy: ProxyInfo): IndexedRequestAuthentication[] {
  const all = requestAuthentications(push).filter((p) => applies(p, proxy, push.rootNamespace));
  return [...all.filter((p) => p.namespace === proxy.namespace), ...all.filter((p) => p.namespace !== proxy.namespace)];
}
