import type { ProxyInfo } from '../proxy.js';
import { syncState, type ProxySyncStatus, type SyncState, type TypeSyncStatus } from '../sync-status.js';
import { SHORT_TYPE, TYPE_URL } from '../type-urls.js';

/** One type of one proxy in `/debug/syncz`, beyond istiod's sent/acked nonces. */
export interface SynczType {
  state: SyncState;
  sent_version: string;
  acked_version: string;
  nonce_sent: string;
  nonce_acked: string;
  subscribed: readonly string[];
  sent_at?: string;
  acked_at?: string;
  /** The last NACK for this type, while it is the latest word from the proxy. */
  nack?: { nonce: string; rejected_version: string; error_code: number; error: string; at: string };
}

/**
 * One proxy in `/debug/syncz`: istiod's `SyncStatus` JSON fields (`proxy`, `cluster_sent`,
 * `cluster_acked`… holding nonces, as istioctl compares them) plus Plexus's per-type detail
 * keyed by istioctl's short names (CDS, LDS, EDS, RDS, SDS).
 */
export interface SynczEntry {
  cluster_id: string;
  proxy: string;
  proxy_type: string;
  proxy_version: string;
  istio_version: string;
  cluster_sent: string;
  cluster_acked: string;
  listener_sent: string;
  listener_acked: string;
  route_sent: string;
  route_acked: string;
  endpoint_sent: string;
  endpoint_acked: string;
  connection_id: string;
  namespace: string;
  generator: string;
  mode: 'sotw' | 'delta';
  connected_at: string;
  /** The controller that serves it (istioctl's ISTIOD column). */
  control_plane: string;
  types: Record<string, SynczType>;
}

function typeEntry(t: TypeSyncStatus): SynczType {
  const state = syncState(t);
  const out: SynczType = {
    state, sent_version: t.sentVersion, acked_version: t.ackedVersion, nonce_sent: t.nonce, nonce_acked: t.ackedNonce,
    subscribed: t.subscribed, sent_at: t.sentAt, acked_at: t.ackedAt,
  };
  // An old NACK followed by an ACK of newer config no longer describes the proxy.
  if (t.lastNack && state === 'NACKED') {
    out.nack = { nonce: t.lastNack.nonce, rejected_version: t.lastNack.rejectedVersion, error_code: t.lastNack.code, error: t.lastNack.message, at: t.lastNack.at };
  }
  return out;
}

/** Builds the `/debug/syncz` document from the ADS server's status and the proxies' identities. */
export function buildSyncz(statuses: readonly ProxySyncStatus[], proxies: ReadonlyMap<string, ProxyInfo>, controlPlane: string): SynczEntry[] {
  return statuses.map((s) => {
    const proxy = proxies.get(s.connectionId);
    const t = (url: string): TypeSyncStatus | undefined => s.types[url];
    const types: Record<string, SynczType> = {};
    for (const [url, st] of Object.entries(s.types)) types[SHORT_TYPE[url] ?? url] = typeEntry(st);
    const istioVersion = typeof proxy?.metadata.ISTIO_VERSION === 'string' ? proxy.metadata.ISTIO_VERSION : '';
    return {
      cluster_id: proxy?.clusterId ?? '',
      proxy: s.proxyId,
      proxy_type: proxy?.type ?? '',
      proxy_version: s.userAgent,
      istio_version: istioVersion,
      cluster_sent: t(TYPE_URL.cluster)?.nonce ?? '',
      cluster_acked: t(TYPE_URL.cluster)?.ackedNonce ?? '',
      listener_sent: t(TYPE_URL.listener)?.nonce ?? '',
      listener_acked: t(TYPE_URL.listener)?.ackedNonce ?? '',
      route_sent: t(TYPE_URL.route)?.nonce ?? '',
      route_acked: t(TYPE_URL.route)?.ackedNonce ?? '',
      endpoint_sent: t(TYPE_URL.endpoint)?.nonce ?? '',
      endpoint_acked: t(TYPE_URL.endpoint)?.ackedNonce ?? '',
      connection_id: s.connectionId,
      namespace: s.namespace,
      generator: s.generator,
      mode: s.mode,
      connected_at: s.connectedAt,
      control_plane: controlPlane,
      types,
    };
  }).sort((a, b) => a.proxy.localeCompare(b.proxy) || a.connection_id.localeCompare(b.connection_id));
}
