import type { Socket } from 'node:net';
import type { FilterChain, HttpConnectionManagerConfig, ListenerConfig, NetworkRbacFilter } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';

/**
 * The HTTP side of a chain: the HttpConnectionManager built for one `http_connection_manager`
 * config. `drain` (optional) asks it to wind connections down (Connection: close / GOAWAY).
 */
export interface HttpConnectionHandler {
  /**
   * Serves one connection. `current` (optional) names the handler of the config that now serves
   * this connection's chain, so requests on an open connection follow a policy or filter change.
   */
  handleSocket(socket: Socket, info: ConnectionInfo, current?: CurrentHttpHandler): void;
  drain?(): void;
  /** Closes every connection it holds (after the drain deadline). */
  close?(): Promise<void>;
}

/**
 * Who serves the next request of an open connection after a config change: `handler`, the
 * handler of its chain now (absent: the one it was accepted with), and `drain` when the
 * connection can no longer be served as accepted (chain gone, its TLS settings or network
 * filters changed): that request is answered, then the connection closes, as Envoy drains.
 */
export interface HttpHandlerFollow {
  readonly handler?: HttpConnectionHandler;
  readonly drain: boolean;
}

export type CurrentHttpHandler = () => HttpHandlerFollow;

/** Builds the HTTP handler for a chain's HCM config; called once per config object. */
export type HttpConnectionManagerFactory = (config: HttpConnectionManagerConfig, chain: FilterChain, listener: ListenerConfig) => HttpConnectionHandler;

/** A network RBAC decision for one connection. */
export interface NetworkRbacVerdict {
  readonly allowed: boolean;
  /** The effective policy, for `rbac_access_denied_matched_policy[...]` (undefined: none). */
  readonly policy: string | undefined;
  /** Shadow results (`envoy.filters.network.rbac`) and the LOG hint, when any were written. */
  readonly dynamicMetadata?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Evaluates a `network_rbac` filter for a connection. Absent, connections that meet a network
 * RBAC filter are refused, since an unevaluated policy must not fail open.
 */
export type NetworkRbacCheck = (filter: NetworkRbacFilter, info: ConnectionInfo) => NetworkRbacVerdict;
