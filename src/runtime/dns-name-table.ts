/** A mesh host the DNS proxy answers for: a Service's FQDN or a ServiceEntry host. */
export interface MeshDnsHost {
  /** `reviews.default.svc.cluster.local`, or a ServiceEntry host such as `api.example.com`. */
  readonly hostname: string;
  /** VIPs (or, for a ServiceEntry without addresses, endpoint IPs) to answer with. */
  readonly addresses: readonly string[];
}

/** What a lookup found. */
export interface DnsTableEntry {
  /** The name the addresses belong to; differs from the query for search-expanded names. */
  readonly canonical: string;
  /** Set when the query was a search-domain expansion: answer with a CNAME to `canonical`. */
  readonly cname?: string;
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** Options of {@link DnsNameTable}. */
export interface DnsNameTableOptions {
  /** The namespace of the pod the proxy serves: its Services also answer to the bare short name. */
  readonly proxyNamespace: string;
  /** Cluster domain (default `cluster.local`). */
  readonly domainSuffix?: string;
  /** The pod's resolv.conf search list; every name also answers with each suffix appended. */
  readonly searchDomains?: readonly string[];
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * The name table of the DNS proxy, with the same names Istio's DNS proxy answers:
 * - a Service `reviews.default.svc.cluster.local` also as `reviews.default.svc`,
 *   `reviews.default`, and `reviews` from pods in `default`;
 * - ServiceEntry hosts as written (wildcard hosts are not answered, as in Istio);
 * - each of those with every search domain appended (a stub resolver tries
 *   `reviews.default.default.svc.cluster.local` first when the name has fewer dots than
 *   ndots), answered with a CNAME to the name it expands, so no query leaks upstream.
 * Exact names win over alternate names, and alternate names over expansions.
 */
export class DnsNameTable {
  private readonly proxyNamespace: string;
  private readonly domainSuffix: string;
  private readonly searchDomains: readonly string[];
  private entries = new Map<string, DnsTableEntry>();

  constructor(options: DnsNameTableOptions) {
    this.proxyNamespace = options.proxyNamespace;
    this.domainSuffix = normalise(options.domainSuffix ?? 'cluster.local');
    this.searchDomains = (options.searchDomains ?? []).map(normalise).filter((d) => d.length > 0);
  }

  /** Replaces the whole table (the caller pushes the full set on every change). */
  update(hosts: readonly MeshDnsHost[]): void {
    const next = new Map<string, DnsTableEntry>();
    const add = (name: string, entry: DnsTableEntry): void => {
      if (!next.has(name)) next.set(name, entry);
    };
    const resolved = hosts
      .map((h) => ({ canonical: normalise(h.hostname), ipv4: h.addresses.filter((a) => !a.includes(':')), ipv6: h.addresses.filter((a) => a.includes(':')) }))
      .filter((h) => h.canonical.length > 0 && !h.canonical.startsWith('*'));
    for (const h of resolved) add(h.canonical, h);
    const alternates: Array<[string, DnsTableEntry]> = [];
    for (const h of resolved) {
      for (const alt of this.alternateNames(h.canonical)) {
        alternates.push([alt, h]);
        add(alt, h);
      }
    }
    for (const [name, h] of [...resolved.map((r) => [r.canonical, r] as [string, DnsTableEntry]), ...alternates]) {
      for (const suffix of this.searchDomains) add(`${name}.${suffix}`, { ...h, cname: name, canonical: name });
    }
    this.entries = next;
  }

  /** The entry for a queried name, if the mesh knows it. */
  lookup(name: string): DnsTableEntry | undefined {
    return this.entries.get(normalise(name));
  }

  /** Number of names answered (expansions included). */
  get size(): number {
    return this.entries.size;
  }

  private alternateNames(fqdn: string): string[] {
    const suffix = `.svc.${this.domainSuffix}`;
    if (!fqdn.endsWith(suffix)) return [];
    const parts = fqdn.slice(0, -suffix.length).split('.');
    if (parts.length !== 2) return [];
    const [short, namespace] = parts as [string, string];
    const out = [`${short}.${namespace}.svc`, `${short}.${namespace}`];
    if (namespace === this.proxyNamespace) out.push(short);
    return out;
  }
}
