import type { Resource } from '../api/resource.js';

/** What changed since the last push; merged across a debounce window. */
export interface PushRequest {
  /** True when anything but endpoints changed: every type is regenerated. */
  readonly full: boolean;
  /** `Kind/namespace/name` of the objects that changed. */
  readonly configsUpdated: ReadonlySet<string>;
  /** Why (`config`, `endpoint`, `proxy-connect`…), for logs and metrics. */
  readonly reasons: ReadonlySet<string>;
  /** When the first merged change happened (ms since epoch). */
  readonly start: number;
}

/** Merges two push requests: full wins, sets are unioned, the earlier start is kept. */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  return {
    full: a.full || b.full,
    configsUpdated: new Set([...a.configsUpdated, ...b.configsUpdated]),
    reasons: new Set([...a.reasons, ...b.reasons]),
    start: Math.min(a.start, b.start),
  };
}

function withoutEndpoints(spec: unknown): string {
  const { endpoints: _endpoints, ...rest } = (spec ?? {}) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/**
 * Classifies one change as Istio does: a WorkloadEntry only moves endpoints, and so does a
 * ServiceEntry whose change is confined to its `endpoints`; anything else is a full push.
 */
export function classifyChange(before: Resource<unknown> | undefined, after: Resource<unknown> | undefined): PushRequest {
  const r = (after ?? before)!;
  const key = `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
  let full = true;
  if (r.kind === 'WorkloadEntry') full = false;
  else if (r.kind === 'ServiceEntry' && before && after && withoutEndpoints(before.spec) === withoutEndpoints(after.spec)) full = false;
  return { full, configsUpdated: new Set([key]), reasons: new Set([full ? 'config' : 'endpoint']), start: Date.now() };
}

/**
 * The namespaces of the Secrets a push is about, when Secrets are all it is about; otherwise
 * undefined. Such a push only concerns SDS of proxies in those namespaces (Istio pushes a
 * Secret change to the proxies that may use it, and only SDS).
 */
export function secretOnlyNamespaces(request: PushRequest): ReadonlySet<string> | undefined {
  if (request.configsUpdated.size === 0) return undefined;
  // A merged request may also carry a push that names no config (health, JWKS, trust bundle): then it is a normal one.
  for (const reason of request.reasons) if (reason !== 'config') return undefined;
  const namespaces = new Set<string>();
  for (const key of request.configsUpdated) {
    if (!key.startsWith('Secret/')) return undefined;
    namespaces.add(key.split('/')[1] ?? '');
  }
  return namespaces;
}
