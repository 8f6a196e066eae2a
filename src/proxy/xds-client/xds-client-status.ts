import type { ProtoJson } from './proto-root.js';

/** Where the ADS stream stands. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

/** The last response the proxy rejected. */
export interface NackInfo {
  readonly typeUrl: string;
  readonly nonce: string;
  /** version_info (SotW) or system_version_info (Delta) of the rejected response. */
  readonly rejectedVersion: string;
  /** The error_detail message sent back. */
  readonly message: string;
  readonly at: string;
}

/** Per-type subscription and version state. */
export interface TypeStatus {
  /** Last accepted version; empty before the first. */
  readonly version: string;
  readonly nonce: string;
  /** `['*']` for wildcard subscriptions. */
  readonly subscribed: readonly string[];
  readonly resourceCount: number;
  readonly lastUpdated?: string;
  readonly lastNack?: NackInfo;
}

/** Everything /config_dump and /ready want to know about the xds-client. */
export interface XdsClientStatus {
  readonly server: string;
  readonly mode: 'sotw' | 'delta';
  readonly nodeId: string;
  readonly state: ConnectionState;
  readonly connectedSince?: string;
  readonly lastError?: string;
  /** Streams opened after the first. */
  readonly reconnects: number;
  /** True once a snapshot was published. */
  readonly initialized: boolean;
  readonly lastPublished?: string;
  readonly types: Readonly<Record<string, TypeStatus>>;
  readonly lastNack?: NackInfo;
  /** Names the next snapshot still waits for. */
  readonly warming: { readonly eds: readonly string[]; readonly rds: readonly string[]; readonly secrets: readonly string[] };
}

/** One accepted resource as /config_dump shows it. */
export interface DumpedResource {
  readonly name: string;
  readonly version: string;
  readonly lastUpdated: string;
  /** The resource as JSON, `@type` first, nested `Any`s expanded. */
  readonly resource: ProtoJson;
}

/** Accepted resources per type URL, with the type's version. */
export type ResourceDump = Readonly<Record<string, { readonly version: string; readonly resources: readonly DumpedResource[] }>>;
