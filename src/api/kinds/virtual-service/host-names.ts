import type { Reporter } from '../../diagnostic.js';
import { checkFQDN, checkWildcardDomain } from '../../validation/common.js';
import { isIstioDNSLabel } from '../destination-rule/networking-rules.js';

// Host and gateway names in a VirtualService: wildcard-aware comparisons and the special forms
// Istio accepts (auto-generated SNI names, legacy gateway names).

/** The gateway name that means "the sidecars of the mesh". */
export const MESH_GATEWAY = 'mesh';

const isWildcard = (h: string): boolean => h.startsWith('*');

/** True when two hosts can match the same name (`*.foo.com` and `a.foo.com`, `*.com` and `*.foo.com`). */
export function hostsOverlap(a: string, b: string): boolean {
  if (isWildcard(a) && isWildcard(b)) return a.length > b.length ? a.slice(1).endsWith(b.slice(1)) : b.slice(1).endsWith(a.slice(1));
  if (isWildcard(a)) return b.endsWith(a.slice(1));
  if (isWildcard(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/** True when every name `sub` matches is also matched by `sup`. */
export function hostIsSubsetOf(sub: string, sup: string): boolean {
  if (isWildcard(sub)) return isWildcard(sup) && sub.slice(1).endsWith(sup.slice(1));
  if (isWildcard(sup)) return sub.endsWith(sup.slice(1));
  return sub === sup;
}

/**
 * A host of a VirtualService bound to gateways. With TLS SNI routes, names generated for
 * AUTO_PASSTHROUGH (`outbound_.<port>_._.<host>`) are accepted as well.
 */
export function checkGatewayBoundHost(host: string, sni: boolean): string | undefined {
  if (host.length > 255) return `domain name ${JSON.stringify(host)} too long (max 255)`;
  if (host === '') return 'empty domain name not allowed';
  if (sni && host.startsWith('outbound_')) {
    const parts = host.split('_');
    const format = 'outbound_.<PORT>_._.<HOSTNAME>';
    if (parts.length < 4) return `domain name ${host} invalid, should follow '${format}' format`;
    const port = trimDots(parts[1]);
    const name = trimDots(parts[3]);
    if (!/[0-9]/.test(port)) return `domain name ${JSON.stringify(host)} invalid (label ${JSON.stringify(port)} invalid); should follow ${format} format`;
    if (!/[a-zA-Z]/.test(name)) return `domain name ${JSON.stringify(host)} invalid (label ${JSON.stringify(name)} invalid); should follow ${format} format`;
    return undefined;
  }
  return checkWildcardDomain(host);
}

function trimDots(s: string): string {
  return s.replace(/^\.+|\.+$/g, '');
}

/**
 * Gateway references (`mesh`, `namespace/name`, or the legacy `name.namespace` form, which is
 * warned about). Like Istio, checking stops after the first reference without a slash.
 */
export function validateGatewayNames(names: readonly unknown[] | undefined, at: Reporter): void {
  for (let i = 0; i < (names ?? []).length; i++) {
    const name = String(names![i]);
    const gat = at.at(i);
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        gat.warn(`gateway name ${JSON.stringify(name)} uses the legacy format; prefer <namespace>/<name>: "${parts[1]}/${parts[0]}"`);
      }
      const err = checkFQDN(name);
      if (err) gat.error(`invalid gateway name: ${err}`);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') gat.error('gateway namespace and name cannot be empty');
    if (!isIstioDNSLabel(ns)) gat.error(`invalid gateway namespace ${JSON.stringify(ns)}`);
    if (!isIstioDNSLabel(gw)) gat.error(`invalid gateway name ${JSON.stringify(gw)}`);
  }
}

/** True for header names that route on a JWT claim (`@request.auth.claims.sub`, `@request.auth.claims[a][b]`). */
export function isJwtClaimRoute(name: string): boolean {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}
