import type { ResourceEntry } from './entry.js';
import { arr, num, obj, str, stringMap, strings } from './fields.js';
import { isWildcard, toFqdn } from './hosts.js';

/** A port of a service, as a ServiceEntry would state it. */
export interface ServicePort {
  number: number;
  name: string;
  protocol: string;
}

/** A service host visible in the mesh: from a Kubernetes Service or a ServiceEntry host. */
export interface ServiceRecord {
  host: string;
  /** `*` for every namespace, otherwise one namespace that can see it. */
  scope: string;
  ports: ServicePort[];
  entry: ResourceEntry;
  /** Pod selector of a Service, or workloadSelector of a ServiceEntry (undefined when none). */
  selector?: Record<string, string>;
}

/** Scopes an exportTo list makes a resource visible in; `~` (nowhere) gives none. */
export function exportScopes(exportTo: readonly string[], namespace: string): string[] {
  if (exportTo.length === 0 || exportTo.includes('*')) return ['*'];
  return [...new Set(exportTo.filter((e) => e !== '~').map((e) => (e === '.' ? namespace : e)))];
}

/**
 * Every service host the mesh knows, keyed by scope and FQDN, with Istio's lookup rules:
 * exact host visible everywhere, then in the caller's export scopes, then wildcard entries.
 */
export class ServiceIndex {
  private readonly exact = new Map<string, ServiceRecord>();
  private readonly wildcards: ServiceRecord[] = [];
  readonly records: ServiceRecord[] = [];

  constructor(services: readonly ResourceEntry[], serviceEntries: readonly ResourceEntry[], domain?: string) {
    for (const se of serviceEntries) {
      const ports = arr(se.spec.ports).map((p) => {
        const o = obj(p) ?? {};
        return { number: num(o.number) ?? 0, name: str(o.name) ?? '', protocol: (str(o.protocol) ?? '').toUpperCase() };
      });
      const ws = obj(se.spec.workloadSelector);
      const selector = ws ? stringMap(ws.labels) : undefined;
      for (const scope of exportScopes(strings(se.spec.exportTo), se.namespace)) {
        for (const h of strings(se.spec.hosts)) this.add({ host: toFqdn(h, se.namespace, domain), scope, ports, entry: se, selector });
      }
    }
    for (const svc of services) {
      const ports = arr(svc.spec.ports).map((p) => {
        const o = obj(p) ?? {};
        return { number: num(o.port) ?? 0, name: str(o.name) ?? '', protocol: (str(o.protocol) ?? 'TCP').toUpperCase() };
      });
      const anno = svc.annotations['networking.istio.io/exportTo'];
      const exportTo = anno ? anno.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const selector = obj(svc.spec.selector) ? stringMap(svc.spec.selector) : undefined;
      for (const scope of exportScopes(exportTo, svc.namespace)) {
        this.add({ host: toFqdn(svc.name, svc.namespace, domain), scope, ports, entry: svc, selector });
      }
    }
  }

  private add(r: ServiceRecord): void {
    this.records.push(r);
    const key = `${r.scope}|${r.host}`;
    if (!this.exact.has(key)) this.exact.set(key, r);
    if (isWildcard(r.host)) this.wildcards.push(r);
  }

  /**
   * The service a reference to `host` from a resource in `namespace` (with that resource's
   * exportTo) resolves to, or undefined.
   */
  lookup(host: string, namespace: string, exportTo: readonly string[] = [], domain?: string): ServiceRecord | undefined {
    const fqdn = toFqdn(host, namespace, domain);
    const all = this.exact.get(`*|${fqdn}`);
    if (all) return all;
    const scopes = exportTo.length === 0 ? [namespace] : exportTo.map((e) => (e === '.' ? namespace : e));
    for (const s of scopes) {
      const r = this.exact.get(`${s}|${fqdn}`);
      if (r) return r;
    }
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    return this.wildcards.find((r) => (r.scope === '*' || r.scope === namespace) && bare.endsWith(r.host.slice(1)));
  }

  /** Records visible from `namespace` (exported everywhere or to it). */
  visibleFrom(namespace: string): ServiceRecord[] {
    return this.records.filter((r) => r.scope === '*' || r.scope === namespace);
  }
}
