import type { Socket } from 'node:net';
import type { ListenerConfig, ProxySnapshot, SocketAddress } from '../config/model.js';

/**
 * Finds the destination a captured connection was originally sent to. Under iptables REDIRECT
 * this is SO_ORIGINAL_DST (a later N-API addon); tests inject their own. Undefined means "not
 * captured": the listener's own address is used.
 */
export type OriginalDestinationLookup = (socket: Socket) => SocketAddress | undefined;

/** The default lookup: no capture information, so the destination is where the socket landed. */
export const noOriginalDestination: OriginalDestinationLookup = () => undefined;

const WILDCARDS = new Set(['0.0.0.0', '::', '::0']);

/** True for `0.0.0.0` and `::`. */
export function isWildcardAddress(address: string): boolean {
  return WILDCARDS.has(address);
}

/**
 * The destination of a connection accepted on `listener`: the lookup's answer, else the
 * listener's configured port with the socket's local IP (so a listener remapped to an ephemeral
 * test port still matches chains on the port it was configured with).
 */
export function destinationOf(socket: Socket, listener: ListenerConfig, lookup: OriginalDestinationLookup): SocketAddress {
  const found = lookup(socket);
  if (found) return found;
  const address = isWildcardAddress(listener.address.address) ? (socket.localAddress ?? listener.address.address) : listener.address.address;
  return { address: address.replace(/^::ffff:(?=\d+\.)/i, ''), port: listener.address.port };
}

/**
 * Envoy's use_original_dst hand-off: the listener whose address is the original destination,
 * exactly (ip:port) or else the wildcard listener on that port. Listeners that themselves hand
 * off are skipped, so a connection is never bounced twice.
 */
export function listenerForDestination(snapshot: ProxySnapshot, destination: SocketAddress, self: string): ListenerConfig | undefined {
  let wildcard: ListenerConfig | undefined;
  for (const l of snapshot.listeners.values()) {
    if (l.name === self || l.useOriginalDst || l.address.port !== destination.port) continue;
    if (l.address.address === destination.address) return l;
    if (!wildcard && isWildcardAddress(l.address.address)) wildcard = l;
  }
  return wildcard;
}
