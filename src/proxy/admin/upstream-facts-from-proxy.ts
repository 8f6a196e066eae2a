import type { ProxySnapshot } from '../config/model.js';
import type { UpstreamFacts } from '../../telemetry/upstream-facts.js';
import type { AdminUpstreamView } from './admin-sources.js';

/** Host metadata as the upstream manager keeps it. */
interface HostWithMetadata {
  readonly key: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The stats' view of clusters and hosts, read from the current snapshot (service names,
 * expected peer SANs) and the upstream manager (host metadata). Pass the proxy's holder and
 * UpstreamManager.
 */
export function upstreamFactsFromProxy(
  holder: { readonly current: ProxySnapshot },
  upstream?: { cluster(name: string): { readonly allHosts: readonly HostWithMetadata[] } | undefined } & AdminUpstreamView,
): UpstreamFacts {
  return {
    serviceOf: (cluster) => holder.current.clusters.get(cluster)?.serviceName,
    principalOf: (cluster) => {
      const c = holder.current.clusters.get(cluster);
      const tls = c?.tls ?? c?.tlsMatches.find((m) => m.tls?.istioMutual)?.tls;
      const sans = tls?.matchSubjectAltNames ?? [];
      return sans.length === 1 && sans[0].kind === 'exact' ? sans[0].value : undefined;
    },
    hostMetadata: (cluster, hostKey) => {
      const live = upstream?.cluster(cluster)?.allHosts.find((h) => h.key === hostKey);
      if (live) return live.metadata;
      const assignment = holder.current.clusters.get(cluster)?.loadAssignment ?? holder.current.endpoints.get(cluster);
      for (const l of assignment?.localities ?? []) {
        for (const e of l.endpoints) if (`${e.address.address}:${e.address.port}` === hostKey) return e.metadata;
      }
      return undefined;
    },
  };
}
