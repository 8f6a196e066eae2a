import type { Reporter } from '../../diagnostic.js';
import { parseDurationMs } from '../../validation/common.js';
import { checkIstioDuration, enumName, toInt } from './networking-rules.js';

const H2_UPGRADE = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'] as const;

/**
 * Semantic rules of `ConnectionPoolSettings` (DestinationRule traffic policies and Sidecar's
 * inbound pools): at least one of tcp/http, no negative limits, durations of at least 1ms.
 * `value` must already have passed `connectionPoolSettingsSchema`.
 */
export function validateConnectionPool(value: unknown, at: Reporter): void {
  if (value === undefined || value === null || typeof value !== 'object') return;
  const pool = value as Record<string, unknown>;
  const http = pool.http as Record<string, unknown> | undefined | null;
  const tcp = pool.tcp as Record<string, unknown> | undefined | null;
  if (!http && !tcp) {
    at.error('connection pool must set at least one of tcp or http');
    return;
  }
  if (http) {
    const hat = at.at('http');
    for (const field of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams']) {
      const n = toInt(http[field]);
      if (n !== undefined && n < 0) hat.at(field).error(`${field} must be non-negative`);
    }
    checkIstioDuration(http.idleTimeout, hat.at('idleTimeout'));
    if (enumName(http.h2UpgradePolicy, H2_UPGRADE) === 'UPGRADE' && http.useClientProtocol === true) {
      hat.at('useClientProtocol').error('useClientProtocol must not be true when h2UpgradePolicy is UPGRADE');
    }
  }
  if (tcp) {
    const tat = at.at('tcp');
    const max = toInt(tcp.maxConnections);
    if (max !== undefined && max < 0) tat.at('maxConnections').error('maxConnections must be non-negative');
    for (const field of ['connectTimeout', 'maxConnectionDuration']) checkIstioDuration(tcp[field], tat.at(field));
    // A TCP idle timeout under 1ms (`0s`) disables the timeout, so Istio does not check it.
    const idleMs = typeof tcp.idleTimeout === 'string' ? parseDurationMs(tcp.idleTimeout) : undefined;
    if (idleMs === undefined || Math.trunc(idleMs) !== 0) checkIstioDuration(tcp.idleTimeout, tat.at('idleTimeout'));
    const ka = tcp.tcpKeepalive as Record<string, unknown> | undefined | null;
    if (ka) {
      checkIstioDuration(ka.time, tat.at('tcpKeepalive').at('time'));
      checkIstioDuration(ka.interval, tat.at('tcpKeepalive').at('interval'));
    }
  }
}
