import type { ProxySnapshot } from '../proxy/config/model.js';
import type { MeshDnsHost } from '../runtime/dns-name-table.js';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOST_PORT = /^(.+):(\d+)$/;

/**
 * The mesh names a sidecar's DNS proxy answers, read from the configuration it was pushed:
 * each outbound virtual host is named `<fqdn>:<port>` and lists the service's VIPs among its
 * domains (Istio's sidecar routes do the same), so the route table doubles as the name table
 * without another xDS type (Istio's NDS). Services with no VIP and TCP-only services are
 * not listed; they keep resolving upstream.
 */
export function meshDnsHostsFromSnapshot(snapshot: ProxySnapshot): MeshDnsHost[] {
  const byHost = new Map<string, Set<string>>();
  for (const route of snapshot.routes.values()) {
    for (const vh of route.virtualHosts) {
      const m = HOST_PORT.exec(vh.name);
      if (!m || IPV4.test(m[1]!)) continue;
      const vips = vh.domains.filter((d) => IPV4.test(d));
      if (vips.length === 0) continue;
      const set = byHost.get(m[1]!) ?? new Set<string>();
      for (const v of vips) set.add(v);
      byHost.set(m[1]!, set);
    }
  }
  return [...byHost.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hostname, vips]) => ({ hostname, addresses: [...vips].sort() }));
}
