import { randomUUID } from 'node:crypto';
import type { HttpConnectionManagerConfig } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import { cidrContains, parseIp } from '../listener/ip-address.js';
import { applyClientCertHeader } from './client-cert-details.js';
import { appendHeader, getHeader, type HeaderMap } from './header-map.js';

// Envoy's notion of "internal": RFC 1918, loopback, and IPv6 unique-local / loopback.
const INTERNAL_RANGES = [
  { addressPrefix: '10.0.0.0', prefixLen: 8 },
  { addressPrefix: '172.16.0.0', prefixLen: 12 },
  { addressPrefix: '192.168.0.0', prefixLen: 16 },
  { addressPrefix: '127.0.0.0', prefixLen: 8 },
  { addressPrefix: '::1', prefixLen: 128 },
  { addressPrefix: 'fc00::', prefixLen: 7 },
];

/** True for addresses Envoy treats as internal. */
export function isInternalAddress(address: string): boolean {
  const ip = parseIp(address);
  return ip !== undefined && INTERNAL_RANGES.some((r) => cidrContains(r, ip));
}

/**
 * `x-envoy-*` request headers a client outside the mesh must not be able to set: they steer
 * timeouts and retries. Envoy removes them from edge requests.
 */
const ENVOY_CONTROL_HEADERS = [
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-force-trace',
  'x-envoy-ip-tags',
  'x-envoy-original-path',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
];

/** What the connection manager decided about a request's origin. */
export interface ForwardedDecision {
  /** The client address as trusted under use_remote_address / xff_num_trusted_hops. */
  readonly clientAddress: string;
  /** The request comes from inside (Envoy's internal_request). */
  readonly internal: boolean;
  /** An external request on an edge proxy: `x-envoy-*` controls were stripped and are not honoured. */
  readonly edge: boolean;
  readonly requestId: string;
}

/**
 * Applies Envoy's connection-manager header rules to a request, in place:
 * `x-forwarded-for` (the peer appended only with use_remote_address), `x-forwarded-proto`,
 * `x-envoy-internal`, `x-envoy-external-address`, removal of `x-envoy-*` controls from edge
 * requests, `x-request-id` (generated when absent or when an edge request brought its own),
 * and `x-forwarded-client-cert` per forward_client_cert_details.
 */
export function applyForwardedHeaders(headers: HeaderMap, info: ConnectionInfo, config: HttpConnectionManagerConfig): ForwardedDecision {
  const xff = (getHeader(headers, 'x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let clientAddress: string;
  let internal: boolean;
  if (config.useRemoteAddress) {
    // With trusted hops, the client is that many entries in from the right of the XFF the peer sent.
    const hops = config.xffNumTrustedHops;
    clientAddress = hops > 0 && xff.length >= hops ? xff[xff.length - hops]! : info.remoteAddress;
    internal = isInternalAddress(info.remoteAddress) && (hops === 0 || isInternalAddress(clientAddress));
    appendHeader(headers, 'x-forwarded-for', info.remoteAddress);
    headers['x-forwarded-for'] = getHeader(headers, 'x-forwarded-for')!.split(',').map((s) => s.trim()).filter(Boolean).join(', ');
  } else {
    const idx = xff.length - 1 - config.xffNumTrustedHops;
    clientAddress = idx >= 0 ? xff[idx]! : info.remoteAddress;
    internal = xff.length === 1 && isInternalAddress(clientAddress);
  }
  const edge = config.useRemoteAddress && !internal;

  if (config.useRemoteAddress || getHeader(headers, 'x-forwarded-proto') === undefined) {
    headers['x-forwarded-proto'] = info.tlsTerminated ? 'https' : 'http';
  }
  if (internal && config.useRemoteAddress) headers['x-envoy-internal'] = 'true';
  else delete headers['x-envoy-internal'];
  if (edge) {
    headers['x-envoy-external-address'] = clientAddress;
    for (const name of ENVOY_CONTROL_HEADERS) delete headers[name];
  }

  let requestId = getHeader(headers, 'x-request-id');
  if ((requestId === undefined || edge) && config.generateRequestId) {
    requestId = randomUUID();
    headers['x-request-id'] = requestId;
  }

  applyClientCertHeader(headers, info, config.forwardClientCertDetails ?? 'SANITIZE', config.setCurrentClientCertDetails);
  return { clientAddress, internal, edge, requestId: requestId ?? '' };
}
