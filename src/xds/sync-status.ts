/** The last NACK a proxy sent for one type. */
export interface NackRecord {
  /** Nonce of the response that was rejected. */
  readonly nonce: string;
  /** Version the server had sent with that nonce. */
  readonly rejectedVersion: string;
  /** Version the client says it still runs (its `version_info`). */
  readonly clientVersion: string;
  /** `error_detail.code` (a gRPC status code) and message, as the client sent them. */
  readonly code: number;
  readonly message: string;
  /** ISO time the NACK arrived. */
  readonly at: string;
}

/** Sync state of one type on one proxy connection, as `/debug/syncz` and `proxy-status` show it. */
export interface TypeSyncStatus {
  /** Version of the last response sent (empty before the first). */
  readonly sentVersion: string;
  /** Version of the last response the client acknowledged. */
  readonly ackedVersion: string;
  /** Nonce of the last response sent. */
  readonly nonce: string;
  /** Nonce of the last response acknowledged. */
  readonly ackedNonce: string;
  /** Names the client subscribed to; `*` stands for a wildcard subscription. */
  readonly subscribed: readonly string[];
  readonly lastNack?: NackRecord;
  /** ISO times of the last response sent and the last ACK. */
  readonly sentAt?: string;
  readonly ackedAt?: string;
}

/** Per-proxy sync status: one entry per live ADS stream. */
export interface ProxySyncStatus {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly namespace: string;
  readonly generator: string;
  readonly userAgent: string;
  /** `sotw` (StreamAggregatedResources) or `delta` (DeltaAggregatedResources). */
  readonly mode: 'sotw' | 'delta';
  readonly connectedAt: string;
  /** Type URL → status. */
  readonly types: Readonly<Record<string, TypeSyncStatus>>;
}

/** istioctl's words for one type: SYNCED, NOT SENT, STALE (sent, not yet ACKed) or NACKED. */
export type SyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'NACKED';

/** Summarises a type's status the way `istioctl proxy-status` prints it. */
export function syncState(t: TypeSyncStatus | undefined): SyncState {
  if (!t || t.nonce === '') return 'NOT SENT';
  if (t.ackedNonce === t.nonce) return 'SYNCED';
  if (t.lastNack && t.lastNack.nonce === t.nonce) return 'NACKED';
  return 'STALE';
}
