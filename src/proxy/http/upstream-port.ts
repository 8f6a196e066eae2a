import type { Duplex } from 'node:stream';
import type { PickContext, UpstreamHttpRequest, UpstreamHttpResponse } from '../upstream/upstream-http-types.js';

/** A raw connection to an upstream host, for upgraded (WebSocket) requests. */
export interface UpstreamTunnel {
  readonly socket: Duplex;
  /** The host it reached; `key` is `address:port`. */
  readonly endpoint: { readonly key: string };
}

/**
 * The part of the upstream layer the HTTP path uses: send one request to a cluster (the
 * upstream picks the host, pools connections, and throws errors carrying an Envoy response
 * flag), and open a raw connection for upgrades. The UpstreamManager implements it.
 */
export interface HttpUpstream {
  request(clusterName: string, req: UpstreamHttpRequest, ctx: PickContext): Promise<UpstreamHttpResponse>;
  /** Raw connection to a host of the cluster; absent when the upstream layer cannot tunnel. */
  connect?(clusterName: string, ctx: PickContext): Promise<UpstreamTunnel>;
  /** Reserves a retry against the cluster's `max_retries` breaker; false: do not retry. */
  tryStartRetry?(clusterName: string): boolean;
  /** Releases a retry reserved with `tryStartRetry`. */
  endRetry?(clusterName: string): void;
}
