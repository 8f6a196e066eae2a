/** The cluster's DNS domain suffix, Istio's default. */
export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';

/** `<name>.<namespace>.svc.<domain>`: the hostname of a core Service. */
export function serviceFqdn(name: string, namespace: string, domain = DEFAULT_DOMAIN_SUFFIX): string {
  return `${name}.${namespace}.svc.${domain}`;
}

/**
 * Resolves a host as Istio does in VirtualService/DestinationRule/ServiceEntry: a name
 * without a dot is short and lives in the resource's namespace; `*` and anything with a
 * dot are taken as written.
 */
export function resolveShortHost(host: string, namespace: string, domain = DEFAULT_DOMAIN_SUFFIX): string {
  if (host === '*' || host.includes('.')) return host;
  return serviceFqdn(host, namespace, domain);
}

/** True when `host` matches `pattern`, where a pattern may start with `*.` (or be `*`). */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}
