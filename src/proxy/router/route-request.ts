import type { HeaderMap } from '../http/header-map.js';
import type { DynamicMetadata } from '../matchers/metadata-matcher.js';

/** What route matching, rewrites and hash policies look at in a request. */
export interface RouteRequest {
  readonly method: string;
  /** `:path` including the query string. */
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: HeaderMap;
  /** The address hash policies and logs treat as the client's (after XFF trust rules). */
  readonly clientAddress: string;
  /**
   * Dynamic metadata for RouteMatch `dynamic_metadata`: absent when the route is chosen before
   * any filter ran (as in Envoy), the filters' metadata when one cleared the route cache.
   */
  readonly dynamicMetadata?: DynamicMetadata;
}

/** Splits `:path` into path and query (without `?`); a fragment, if a client sent one, is dropped. */
export function splitPath(path: string): { readonly path: string; readonly query: string | undefined } {
  const hash = path.indexOf('#');
  const p = hash === -1 ? path : path.slice(0, hash);
  const q = p.indexOf('?');
  return q === -1 ? { path: p, query: undefined } : { path: p.slice(0, q), query: p.slice(q + 1) };
}

/** Header lookup that also answers Envoy's pseudo-header names. */
export function requestHeader(req: RouteRequest, name: string): string | undefined {
  switch (name) {
    case ':method':
      return req.method;
    case ':path':
      return req.path;
    case ':authority':
    case 'host':
      return req.authority;
    case ':scheme':
      return req.scheme;
    default: {
      const v = req.headers[name];
      return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
    }
  }
}

/** Parses and percent-decodes query parameters; the first occurrence of a name wins. */
export function parseQuery(query: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!query) return out;
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1));
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
