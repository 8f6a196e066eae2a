/**
 * Picks a virtual host by authority the way Envoy does: exact domain first, then the longest
 * `*.suffix` wildcard, then the longest `prefix.*` wildcard, then `*`. Domains are compared
 * case-insensitively. An authority with a port is tried as is first and then without the
 * port, so `reviews` and `reviews:9080` style domain lists (Istio emits both) both work.
 */
export class VirtualHostSelector<T> {
  private readonly exact = new Map<string, T>();
  private readonly suffixes: { readonly suffix: string; readonly value: T }[] = [];
  private readonly prefixes: { readonly prefix: string; readonly value: T }[] = [];
  private fallback: T | undefined;

  /** Each domain is claimed by the first virtual host listing it (Envoy rejects duplicates at load). */
  constructor(entries: readonly { readonly domains: readonly string[]; readonly value: T }[]) {
    for (const { domains, value } of entries) {
      for (const raw of domains) {
        const domain = raw.toLowerCase();
        if (domain === '*') {
          this.fallback ??= value;
        } else if (domain.startsWith('*')) {
          if (!this.suffixes.some((s) => s.suffix === domain.slice(1))) this.suffixes.push({ suffix: domain.slice(1), value });
        } else if (domain.endsWith('*')) {
          if (!this.prefixes.some((p) => p.prefix === domain.slice(0, -1))) this.prefixes.push({ prefix: domain.slice(0, -1), value });
        } else if (!this.exact.has(domain)) {
          this.exact.set(domain, value);
        }
      }
    }
    // Longest wildcard wins; sorting once keeps the per-request walk a first-hit scan.
    this.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The virtual host for an authority (`host` or `host:port`), or undefined. */
  select(authority: string): T | undefined {
    const host = authority.toLowerCase();
    const found = this.lookup(host);
    if (found !== undefined) return found;
    const withoutPort = stripPort(host);
    if (withoutPort !== host) {
      const again = this.lookup(withoutPort);
      if (again !== undefined) return again;
    }
    return this.fallback;
  }

  private lookup(host: string): T | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    // A wildcard must stand for at least one character, as in Envoy.
    for (const { suffix, value } of this.suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return value;
    }
    for (const { prefix, value } of this.prefixes) {
      if (host.length > prefix.length && host.startsWith(prefix)) return value;
    }
    return undefined;
  }
}

/** `host:port` → `host`; IPv6 literals (`[::1]:80`) keep their brackets. */
export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.indexOf(':') !== colon) return authority;
  return /^\d+$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority;
}
