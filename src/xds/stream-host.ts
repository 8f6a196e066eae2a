import type { Logger } from 'pino';
import type { ProxyInfo } from './proxy.js';
import type { PushContext } from './push-context.js';
import type { PushRequest } from './push-request.js';
import type { HealthReport } from './ads-events.js';
import type { NackRecord, ProxySyncStatus } from './sync-status.js';
import type { StreamAuthorizer } from './stream-authorizer.js';

/** What an ADS stream needs from the server that owns it. */
export interface StreamHost {
  readonly log: Logger;
  /** The current push context (the latest committed config). */
  pushContext(): PushContext;
  /** Called once the stream has identified its proxy. */
  register(stream: XdsStream): void;
  unregister(stream: XdsStream): void;
  /** A new unique connection id for the proxy (`<node id>-<n>`, as istiod names them). */
  connectionId(proxy: ProxyInfo): string;
  /** A NACK arrived (metrics, status observers). */
  nacked?(stream: XdsStream, typeUrl: string, nack: NackRecord): void;
  /** The proxy reported its workload's health (Istio's HealthInformation request). */
  healthReported?(stream: XdsStream, report: HealthReport): void;
  /** Who may open a stream on this port and speak for which proxy (15012: the mesh certificate decides). */
  readonly authorize?: StreamAuthorizer;
  /** `authorize` binds each node to its client certificate: accepted proxies are marked verified. */
  readonly verifiesIdentity?: boolean;
}

/** One live ADS stream (SotW or delta), as the server drives it. */
export interface XdsStream {
  readonly id: string;
  readonly proxy: ProxyInfo | undefined;
  /** Sends what changed for this proxy after a new push context is committed. */
  push(request: PushRequest): void;
  status(): ProxySyncStatus | undefined;
  /** Ends the stream from the server side. */
  close(): void;
}
