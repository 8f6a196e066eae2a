import type { Reporter } from '../../diagnostic.js';
import { checkPort } from '../../validation/common.js';
import { checkUnixSocketPath, UNIX_ADDRESS_PREFIX } from '../workload-entry/unix-address.js';

// Only loopback or wildcard addresses: the sidecar forwards to the application in its own pod.
const ALLOWED_HOSTS = new Set(['', '127.0.0.1', '0.0.0.0', '::1', '::']);

/** Splits `host:port` the way Go's net.SplitHostPort does (IPv6 hosts in brackets). */
function splitHostPort(s: string): { host: string; port: string } | string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return `missing "]" in address ${JSON.stringify(s)}`;
    if (end + 1 === s.length) return `missing port in address ${JSON.stringify(s)}`;
    if (s[end + 1] !== ':') return `unexpected text after "]" in address ${JSON.stringify(s)}`;
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0) return `missing port in address ${JSON.stringify(s)}`;
  const host = s.slice(0, colon);
  if (host.includes(':')) return `too many colons in address ${JSON.stringify(s)} (put IPv6 addresses in brackets)`;
  return { host, port: s.slice(colon + 1) };
}

/** Checks an ingress listener's `defaultEndpoint`. `at` points at the field. */
export function validateDefaultEndpoint(endpoint: string, at: Reporter): void {
  if (endpoint === '') return;
  if (endpoint.startsWith(UNIX_ADDRESS_PREFIX)) {
    const err = checkUnixSocketPath(endpoint.slice(UNIX_ADDRESS_PREFIX.length));
    if (err) at.error(err);
    return;
  }
  const split = splitHostPort(endpoint);
  if (typeof split === 'string') {
    at.error(split);
    return;
  }
  if (!ALLOWED_HOSTS.has(split.host)) {
    at.error('defaultEndpoint must be 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port>, :<port>, unix://<path> or unset');
  }
  if (!/^[+-]?\d+$/.test(split.port)) {
    at.error(`defaultEndpoint port ${JSON.stringify(split.port)} is not a number`);
    return;
  }
  const err = checkPort(Number(split.port));
  if (err) at.error(err);
}
