import type { HeaderValueOption } from '../config/model.js';
import { appendHeader, type HeaderMap } from '../http/header-map.js';

/** One level of header changes (weighted cluster, route, virtual host or route configuration). */
export interface HeaderMutationLevel {
  readonly add?: readonly HeaderValueOption[];
  readonly remove?: readonly string[];
}

// Pseudo-headers and `host` are the proxy's to manage (authority rewrites go through their own
// fields); Envoy refuses to let header lists touch them too.
function protectedHeader(name: string): boolean {
  return name.startsWith(':') || name === 'host';
}

/** Applies one level: removals first, then additions, as Envoy's HeaderParser does. */
export function applyHeaderMutation(headers: HeaderMap, level: HeaderMutationLevel): void {
  for (const raw of level.remove ?? []) {
    const name = raw.toLowerCase();
    if (!protectedHeader(name)) delete headers[name];
  }
  for (const opt of level.add ?? []) {
    const name = opt.key.toLowerCase();
    if (protectedHeader(name)) continue;
    const exists = headers[name] !== undefined;
    switch (opt.action) {
      case 'append':
        appendHeader(headers, name, opt.value);
        break;
      case 'add_if_absent':
        if (!exists) headers[name] = opt.value;
        break;
      case 'overwrite':
        headers[name] = opt.value;
        break;
      case 'overwrite_if_exists':
        if (exists) headers[name] = opt.value;
        break;
    }
  }
}

/**
 * Applies levels in Envoy's default order, most specific first (weighted cluster, route,
 * virtual host, route configuration), so that the wider levels have the last word
 * (`most_specific_header_mutations_wins: false`).
 */
export function applyHeaderMutations(headers: HeaderMap, levels: readonly (HeaderMutationLevel | undefined)[]): void {
  for (const level of levels) if (level) applyHeaderMutation(headers, level);
}
