/** Default Kubernetes cluster domain suffix. */
export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';

/**
 * Expands a short host (`reviews`) to `reviews.<namespace>.svc.<domain>`; hosts with a dot
 * and wildcards are kept as written (Istio does not complete `reviews.default`).
 */
export function toFqdn(host: string, namespace: string, domain = DEFAULT_DOMAIN_SUFFIX): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${domain}`;
}

/** True for `*` and `*.example.com`. */
export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/**
 * Istio's host matching: equal names match, and a wildcard matches any name (or narrower
 * wildcard) ending with its suffix, in either direction.
 */
export function hostsMatch(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) {
    const as = a.slice(1);
    const bs = b.slice(1);
    return as.length < bs.length ? bs.endsWith(as) : as.endsWith(bs);
  }
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** `ns/name` or `name` (in `namespace`) → {namespace, name}, as VirtualService gateway references read. */
export function splitShortOrFullName(ref: string, namespace: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { namespace, name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}
