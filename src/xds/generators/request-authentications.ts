import type { RequestAuthenticationSpec } from '../../api/kinds/request-authentication/types.js';
import type { PushContext } from '../push-context.js';
import type { ProxyInfo } from '../proxy.js';
import { policyAttachment, securityPolicies } from './policy-attachment.js';

/** A RequestAuthentication as the jwt_authn generator reads it. */
export interface IndexedRequestAuthentication {
  readonly name: string;
  readonly namespace: string;
  readonly spec: RequestAuthenticationSpec;
  readonly creationTimestamp?: string;
}

const cache = new WeakMap<PushContext, readonly IndexedRequestAuthentication[]>();

/** Every RequestAuthentication of a push, oldest first, indexed once per push. */
export function requestAuthentications(push: PushContext): readonly IndexedRequestAuthentication[] {
  const hit = cache.get(push);
  if (hit) return hit;
  const out = Object.freeze(securityPolicies(push, 'RequestAuthentication').map((r) => Object.freeze({
    name: r.metadata.name, namespace: r.metadata.namespace ?? 'default', spec: (r.spec ?? {}) as RequestAuthenticationSpec, creationTimestamp: r.metadata.creationTimestamp,
  })));
  cache.set(push, out);
  return out;
}

/**
 * The RequestAuthentications that apply to a sidecar or gateway: the workload's namespace
 * first, then the root namespace, each oldest first (istiod's lookup order). Unlike
 * PeerAuthentication, all of them apply together.
 */
export function requestAuthenticationsFor(push: PushContext, proxy: ProxyInfo): IndexedRequestAuthentication[] {
  // A string result is a reason not to attach (a waypoint-only targetRef): such policies do not apply.
  const all = requestAuthentications(push).filter((p) => policyAttachment(p.namespace, p.spec, proxy, push.rootNamespace) === true);
  return [...all.filter((p) => p.namespace === proxy.namespace), ...all.filter((p) => p.namespace !== proxy.namespace)];
}
