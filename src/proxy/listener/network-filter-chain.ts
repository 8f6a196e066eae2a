import type { Socket } from 'node:net';
import type { FilterChain, HttpConnectionManagerConfig, ListenerConfig } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';

/**
 * The HTTP side of a chain: the HttpConnectionManager built for one `http_connection_manager`
 * config. `drain` (optional) asks it to wind connections down (Connection: close / GOAWAY).
 */
export interface HttpConnectionHandler {
  handleSocket(socket: Socket, info: ConnectionInfo): void;
  drain?(): void;
  /** Closes every connection it holds (after the drain deadline). */
  close?(): Promise<void>;
}

/** Builds the HTTP handler for a chain's HCM config; called once per config object. */
export type HttpConnectionManagerFactory = (config: HttpConnectionManagerConfig, chain: FilterChain, listener: ListenerConfig) => HttpConnectionHandler;

/**
 * Evaluates a `network_rbac` filter for a connection: true allows it. Absent, connections that
 * meet a network RBAC filter are refused, since an unevaluated policy must not fail open.
 */
export type NetworkRbacCheck = (config: unknown, info: ConnectionInfo) => boolean;
