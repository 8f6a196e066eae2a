/**
 * Picks a virtual host by authority the way Envoy does: exact domain first, then the longest
 * `*.suffix` wildcard, then the longest `prefix.*` wildcard, then `*`. Domains are compared
 * case-insensitively. Within each tier the authority is tried with its port and then without,
 * so `reviews` and `reviews:9080` style domain lists (Istio emits both) both work.
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
    const bare = stripPort(host);
    // Each tier is tried with the port and then without, so an exact name always beats a
    // wildcard whichever form the domain list uses.
    const forms = bare === host ? [host] : [host, bare];
    for (const form of forms) {
      const exact = this.exact.get(form);
      if (exact !== undefined) return exact;
    }
    // A wildcard must stand for at least one character, as in Envoy.
    for (const form of forms) {
      for (const { suffix, value } of this.suffixes) if (form.length > suffix.length && form.endsWith(suffix)) return value;
    }
    for (const form of forms) {
      for (const { prefix, value } of this.prefixes) if (form.length > prefix.length && form.startsWith(prefix)) return value;
    }
    return this.fallback;
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
