/**
 * How specifically a `server_names` entry matches an SNI, Envoy's way: an exact name beats any
 * wildcard, and a longer wildcard suffix beats a shorter one (`*.a.example.com` over
 * `*.example.com` over `*.com`). A wildcard never matches the bare suffix (`*.example.com`
 * does not match `example.com`). Returns -1 for no match; larger is more specific.
 */
export function serverNameSpecificity(pattern: string, serverName: string): number {
  const p = pattern.toLowerCase();
  const sni = serverName.toLowerCase().replace(/\.$/, '');
  if (p === sni) return Number.MAX_SAFE_INTEGER;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com"
    if (sni.length > suffix.length && sni.endsWith(suffix)) return suffix.length;
    return -1;
  }
  // Envoy also accepts `.example.com`-less forms only as exact names; anything else is no match.
  return -1;
}
