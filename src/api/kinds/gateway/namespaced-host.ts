import type { Reporter } from '../../diagnostic.js';
import { checkWildcardDomain, isIP } from '../../validation/common.js';
import { isIstioDNSLabel } from '../destination-rule/networking-rules.js';

/** Where a `namespace/host` entry appears: the rules differ slightly. */
export type NamespacedHostContext = 'gateway' | 'sidecar';

/** A wildcard anywhere but as the whole first label (`*` or `*.x`) is rejected here. */
export function checkPartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host !== '*' && !host.startsWith('*.')) return `partial wildcard ${JSON.stringify(host)} is not allowed`;
  return undefined;
}

function checkHostPart(host: string, at: Reporter, context: NamespacedHostContext): void {
  if (host !== '*' && !host.includes('.')) at.error(`short host names are not allowed here, use a fully qualified name (got ${JSON.stringify(host)})`);
  const domainErr = checkWildcardDomain(host);
  // Gateways may also name an IP address as a host.
  if (domainErr && !(context === 'gateway' && isIP(host))) at.error(domainErr);
  const partial = checkPartialWildcard(host);
  if (partial) at.error(partial);
}

/**
 * Validates a host of a Gateway server or Sidecar egress listener: `namespace/dnsName`
 * where namespace is `*`, `.`, a namespace name or (Sidecar only) `~`. Gateways also
 * accept a bare `dnsName` (the old form, meaning any namespace).
 */
export function validateNamespacedHost(entry: string, at: Reporter, context: NamespacedHostContext): void {
  const slash = entry.indexOf('/');
  if (slash < 0) {
    if (context === 'gateway') checkHostPart(entry, at, context);
    else at.error(`host ${JSON.stringify(entry)} must be of the form namespace/dnsName`);
    return;
  }
  const ns = entry.slice(0, slash);
  const host = entry.slice(slash + 1);
  if (ns === '' || host === '') at.error(`neither the namespace nor the host in ${JSON.stringify(entry)} may be empty`);
  const special = ns === '*' || ns === '.' || (context === 'sidecar' && ns === '~');
  if (!special && !isIstioDNSLabel(ns)) at.error(`invalid namespace ${JSON.stringify(ns)} in ${context} host ${JSON.stringify(entry)}`);
  checkHostPart(host, at, context);
}
