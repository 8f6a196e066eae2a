import type { NetworkFilter, TcpProxyFilter, WeightedCluster } from '../config/model.js';
import { NETWORK_RBAC_TYPE_URL, parseNetworkRbacConfig } from '../filters/rbac/network-config.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { durationMs, list, num, obj, str } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { translateHttpConnectionManager } from './translate-http-connection-manager.js';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

function tcpProxy(t: ProtoJson, at: FieldPath): TcpProxyFilter {
  const statPrefix = str(t.stat_prefix) ?? at.at('stat_prefix').fail('stat_prefix is required');
  let clusters: WeightedCluster[];
  const wc = obj(t.weighted_clusters);
  if (typeof t.cluster === 'string' && t.cluster !== '') clusters = [{ name: t.cluster, weight: 1 }];
  else if (wc) {
    clusters = list(wc.clusters).map((c, i) => ({
      name: str(c.name) ?? at.at('weighted_clusters').at('clusters', i).at('name').fail('cluster name is required'),
      weight: num(c.weight) ?? 0,
    }));
    if (clusters.length === 0 || clusters.reduce((s, c) => s + c.weight, 0) <= 0) at.at('weighted_clusters').fail('at least one cluster with a positive weight is required');
  } else if (t.on_demand !== undefined) return at.at('on_demand').fail('on-demand clusters are not supported');
  else return at.fail('tcp_proxy to nowhere: one of cluster, weighted_clusters is required');
  const idle = durationMs(t.idle_timeout, at.at('idle_timeout'));
  return { kind: 'tcp_proxy', statPrefix, clusters, ...(idle !== undefined ? { idleTimeoutMs: idle } : {}) };
}

/**
 * One network filter, chosen by its `typed_config` type (Envoy's rule since the name became
 * informational). Anything else has no place in the model and rejects the listener.
 */
export function translateNetworkFilter(f: ProtoJson, at: FieldPath, ctx: TranslateContext): NetworkFilter {
  const typed = obj(f.typed_config) ?? at.at('typed_config').fail('typed_config is required');
  const type = typeof typed['@type'] === 'string' ? typed['@type'] : String(typed.type_url ?? '');
  const p = at.at('typed_config');
  switch (type) {
    case HCM_TYPE:
      return translateHttpConnectionManager(typed, p, ctx);
    case TCP_PROXY_TYPE:
      return tcpProxy(typed, p);
    case NETWORK_RBAC_TYPE_URL: {
      const { '@type': _t, ...config } = typed;
      const statPrefix = str(typed.stat_prefix) ?? p.at('stat_prefix').fail('stat_prefix is required');
      // Compiled now (and cached for the connection path): a policy the proxy cannot evaluate is NACKed.
      const parsed = parseNetworkRbacConfig(config);
      if (!parsed.ok) p.fail(`invalid envoy.filters.network.rbac config: ${parsed.errors.join('; ')}`);
      return { kind: 'network_rbac', statPrefix, config };
    }
    default:
      return p.fail(`unsupported network filter ${String(f.name ?? '')} (${type})`);
  }
}
