import type { PolicyTargeting } from '../../api/kinds/policy-target/types.js';
import type { Resource } from '../../api/resource.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';

/** The label Gateway API deployments carry, naming their Gateway. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

const sorted = new WeakMap<PushContext, Map<string, readonly Resource<unknown>[]>>();

/**
 * The `security.istio.io` objects of one kind in a push, oldest first, then by namespace and
 * name (istiod's order); listed once per push and kind.
 */
export function securityPolicies(push: PushContext, kind: string): readonly Resource<unknown>[] {
  let byKind = sorted.get(push);
  if (!byKind) sorted.set(push, (byKind = new Map()));
  let list = byKind.get(kind);
  if (!list) {
    list = (push.resources as readonly Resource<unknown>[])
      .filter((r) => r.kind === kind && r.apiVersion.startsWith('security.istio.io/'))
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')
        || (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
    byKind.set(kind, list);
  }
  return list;
}

/**
 * Whether a workload policy (AuthorizationPolicy, RequestAuthentication) attaches to a proxy, by
 * istiod's rules, or why not when the reason is worth a warning. With a selector (or none): a
 * policy in the root namespace applies mesh wide, one elsewhere to its own namespace, and the
 * selector's labels must all be on the workload. With targetRef(s): only a Gateway API Gateway
 * of the policy's namespace (its proxy carries `gateway.networking.k8s.io/gateway-name`);
 * Service and ServiceEntry targets are for waypoints, which Plexus does not run.
 */
export function policyAttachment(namespace: string, spec: PolicyTargeting, proxy: ProxyInfo, rootNamespace: string): boolean | string {
  const refs = [...(spec.targetRef ? [spec.targetRef] : []), ...(spec.targetRefs ?? [])];
  if (refs.length > 0) {
    if (namespace !== proxy.namespace) return false;
    const gatewayName = proxy.labels[GATEWAY_NAME_LABEL];
    if (refs.some((r) => r.kind === 'Gateway' && (r.group ?? '') === GATEWAY_API_GROUP && gatewayName !== undefined && r.name === gatewayName)) return true;
    return refs.some((r) => r.kind !== 'Gateway')
      ? 'targetRef to a Service or ServiceEntry applies to waypoint proxies only (Plexus runs none); use a selector for sidecars'
      : false;
  }
  if (namespace !== rootNamespace && namespace !== proxy.namespace) return false;
  return Object.entries(spec.selector?.matchLabels ?? {}).every(([k, v]) => proxy.labels[k] === v);
}
