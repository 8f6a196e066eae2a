import type { AuthorizationAction, AuthorizationPolicySpec } from '../../../api/kinds/authorization-policy/types.js';
import type { PolicyTargetReference } from '../../../api/kinds/policy-target/types.js';
import type { Resource } from '../../../api/resource.js';
import type { PushContext } from '../../push-context.js';
import type { ProxyInfo } from '../../proxy.js';

/** An AuthorizationPolicy as the authz generators read it. */
export interface IndexedAuthorizationPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly spec: AuthorizationPolicySpec;
  readonly action: AuthorizationAction;
  readonly dryRun: boolean;
  readonly creationTimestamp?: string;
}

/** The policies that apply to one proxy, by action. */
export interface ApplicablePolicies {
  readonly custom: readonly IndexedAuthorizationPolicy[];
  readonly audit: readonly IndexedAuthorizationPolicy[];
  readonly deny: readonly IndexedAuthorizationPolicy[];
  readonly allow: readonly IndexedAuthorizationPolicy[];
  /** Policies that name this proxy's namespace but were not applied, and why (for warnings). */
  readonly ignored: ReadonlyArray<{ readonly policy: IndexedAuthorizationPolicy; readonly reason: string }>;
}

const ACTIONS: readonly AuthorizationAction[] = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'];
const DRY_RUN = 'istio.io/dry-run';
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
/** The label Gateway API deployments carry, naming their Gateway. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

function actionOf(spec: AuthorizationPolicySpec): AuthorizationAction {
  const a = spec.action as unknown;
  if (typeof a === 'number') return ACTIONS[a] ?? 'ALLOW';
  return (typeof a === 'string' && (ACTIONS as readonly string[]).includes(a) ? a : 'ALLOW') as AuthorizationAction;
}

const cache = new WeakMap<PushContext, readonly IndexedAuthorizationPolicy[]>();

/** Every AuthorizationPolicy of a push, oldest first (istiod's order), indexed once per push. */
export function authorizationPolicies(push: PushContext): readonly IndexedAuthorizationPolicy[] {
  const hit = cache.get(push);
  if (hit) return hit;
  const out: IndexedAuthorizationPolicy[] = [];
  for (const r of push.resources as readonly Resource<unknown>[]) {
    if (r.kind !== 'AuthorizationPolicy' || !r.apiVersion.startsWith('security.istio.io/')) continue;
    const spec = (r.spec ?? {}) as AuthorizationPolicySpec;
    const dry = r.metadata.annotations?.[DRY_RUN];
    out.push(Object.freeze({
      name: r.metadata.name,
      namespace: r.metadata.namespace ?? 'default',
      spec,
      action: actionOf(spec),
      dryRun: dry !== undefined && GO_TRUE.has(String(dry)),
      creationTimestamp: r.metadata.creationTimestamp,
    }));
  }
  out.sort((a, b) => (a.creationTimestamp ?? '').localeCompare(b.creationTimestamp ?? '') || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const frozen = Object.freeze(out);
  cache.set(push, frozen);
  return frozen;
}

function targetRefs(spec: AuthorizationPolicySpec): PolicyTargetReference[] {
  return [...(spec.targetRef ? [spec.targetRef] : []), ...(spec.targetRefs ?? [])];
}

/**
 * Whether a policy attaches to the proxy, and if not because of a targetRef, why. With a
 * selector (or none) it is istiod's label rule: a policy in the root namespace applies mesh
 * wide, one elsewhere to its own namespace; its selector's labels must all be on the
 * workload. With targetRef(s) only a Gateway API Gateway in the policy's namespace attaches
 * (its proxy carries `gateway.networking.k8s.io/gateway-name`); Service and ServiceEntry
 * targets are for waypoints, which Plexus does not run.
 */
function attaches(p: IndexedAuthorizationPolicy, proxy: ProxyInfo, rootNamespace: string): boolean | string {
  const refs = targetRefs(p.spec);
  if (refs.length > 0) {
    if (p.namespace !== proxy.namespace) return false;
    const gatewayName = proxy.labels[GATEWAY_NAME_LABEL];
    if (refs.some((r) => r.kind === 'Gateway' && (r.group ?? '') === GATEWAY_API_GROUP && gatewayName !== undefined && r.name === gatewayName)) return true;
    return refs.some((r) => r.kind !== 'Gateway')
      ? 'targetRef to a Service or ServiceEntry applies to waypoint proxies only (Plexus runs none); use a selector for sidecars'
      : false;
  }
  if (p.namespace !== rootNamespace && p.namespace !== proxy.namespace) return false;
  const labels = p.spec.selector?.matchLabels ?? {};
  return Object.entries(labels).every(([k, v]) => proxy.labels[k] === v);
}

/** The AuthorizationPolicies that apply to a proxy (sidecar or gateway), grouped by action. */
export function applicablePolicies(push: PushContext, proxy: ProxyInfo): ApplicablePolicies {
  const custom: IndexedAuthorizationPolicy[] = [];
  const audit: IndexedAuthorizationPolicy[] = [];
  const deny: IndexedAuthorizationPolicy[] = [];
  const allow: IndexedAuthorizationPolicy[] = [];
  const ignored: Array<{ policy: IndexedAuthorizationPolicy; reason: string }> = [];
  for (const p of authorizationPolicies(push)) {
    const result = attaches(p, proxy, push.rootNamespace);
    if (typeof result === 'string') {
      ignored.push({ policy: p, reason: result });
      continue;
    }
    if (!result) continue;
    ({ CUSTOM: custom, AUDIT: audit, DENY: deny, ALLOW: allow })[p.action].push(p);
  }
  return { custom, audit, deny, allow, ignored };
}
