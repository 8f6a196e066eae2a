import type { AuthorizationAction, AuthorizationPolicySpec } from '../../../api/kinds/authorization-policy/types.js';
import type { PushContext } from '../../push-context.js';
import type { ProxyInfo } from '../../proxy.js';
import { policyAttachment, securityPolicies } from '../policy-attachment.js';

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
  const out = Object.freeze(securityPolicies(push, 'AuthorizationPolicy').map((r) => {
    const spec = (r.spec ?? {}) as AuthorizationPolicySpec;
    const dry = r.metadata.annotations?.[DRY_RUN];
    return Object.freeze({
      name: r.metadata.name,
      namespace: r.metadata.namespace ?? 'default',
      spec,
      action: actionOf(spec),
      dryRun: dry !== undefined && GO_TRUE.has(String(dry)),
      creationTimestamp: r.metadata.creationTimestamp,
    });
  }));
  cache.set(push, out);
  return out;
}

/** The AuthorizationPolicies that apply to a proxy (sidecar or gateway), grouped by action. */
export function applicablePolicies(push: PushContext, proxy: ProxyInfo): ApplicablePolicies {
  const custom: IndexedAuthorizationPolicy[] = [];
  const audit: IndexedAuthorizationPolicy[] = [];
  const deny: IndexedAuthorizationPolicy[] = [];
  const allow: IndexedAuthorizationPolicy[] = [];
  const ignored: Array<{ policy: IndexedAuthorizationPolicy; reason: string }> = [];
  for (const p of authorizationPolicies(push)) {
    const result = policyAttachment(p.namespace, p.spec, proxy, push.rootNamespace);
    if (typeof result === 'string') {
      ignored.push({ policy: p, reason: result });
      continue;
    }
    if (!result) continue;
    ({ CUSTOM: custom, AUDIT: audit, DENY: deny, ALLOW: allow })[p.action].push(p);
  }
  return { custom, audit, deny, allow, ignored };
}
