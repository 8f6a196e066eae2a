// Principals in a policy name a trust domain (`cluster.local/ns/default/sa/sleep`); istiod
// rewrites them for the mesh trust domain and each of its aliases, so a policy written for
// the old domain keeps working during a migration.

/** The mesh trust domain first, then its aliases. */
export interface TrustDomainBundle {
  readonly domains: readonly string[];
}

/** Istio's local trust domain name: it always means "this mesh", whatever the mesh calls itself. */
const CLUSTER_LOCAL = 'cluster.local';

/** The bundle for a mesh: its trust domain and `trustDomainAliases` (duplicates dropped). */
export function trustDomainBundle(trustDomain: string, aliases: readonly string[] = []): TrustDomainBundle {
  return { domains: [...new Set([trustDomain, ...aliases])] };
}

/** `a` matches a pattern that is exact, `*`, `abc*` or `*abc`. */
function patternMatches(a: string, pattern: string): boolean {
  if (pattern === '*' || a === pattern) return true;
  if (pattern.endsWith('*') && a.startsWith(pattern.slice(0, -1))) return true;
  return pattern.startsWith('*') && a.endsWith(pattern.slice(1));
}

/**
 * Expands principals for the trust domains of the bundle. A principal without five
 * `/`-separated parts, or whose trust domain is `*`, is kept as is; one naming the mesh's
 * trust domain, an alias or `cluster.local` becomes one principal per trust domain; one
 * naming a foreign trust domain is kept as is.
 */
export function expandTrustDomains(bundle: TrustDomainBundle, principals: readonly string[]): string[] {
  const out: string[] = [];
  for (const principal of principals) {
    const parts = principal.split('/');
    if (parts.length !== 5 || parts[0] === '*') {
      out.push(principal);
      continue;
    }
    const domain = parts[0]!;
    if (!bundle.domains.some((d) => patternMatches(domain, d)) && domain !== CLUSTER_LOCAL) {
      out.push(principal);
      continue;
    }
    const expanded: string[] = [];
    for (const td of bundle.domains) {
      // A wildcard trust domain in the policy (`*local`) already covers a matching domain.
      const next = domain.startsWith('*') && td.endsWith(domain.slice(1)) ? principal : [td, ...parts.slice(1)].join('/');
      if (!expanded.includes(next)) expanded.push(next);
    }
    out.push(...expanded);
  }
  return out;
}
