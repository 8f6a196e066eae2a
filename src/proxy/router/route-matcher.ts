import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from '../config/model.js';
import { isGrpcRequest } from '../errors/grpc-status.js';
import { compileMetadataMatcher } from '../matchers/metadata-matcher.js';
import { compileRegex } from './regex.js';
import { parseQuery, requestHeader, splitPath, type RouteRequest } from './route-request.js';
import { compileStringMatch } from './string-matcher.js';

/** A compiled route match: true when the request matches. */
export type RouteMatcher = (req: RouteRequest, query: () => Map<string, string>) => boolean;

/** Compiles path, header, query, gRPC and dynamic metadata conditions of a route; all must hold. */
export function compileRouteMatch(match: RouteMatch): RouteMatcher {
  const checks: RouteMatcher[] = [compilePath(match)];
  for (const h of match.headers) checks.push(compileHeaderMatcher(h));
  for (const q of match.queryParameters) checks.push(compileQueryMatcher(q));
  if (match.grpc) checks.push((req) => isGrpcRequest(requestHeader(req, 'content-type')));
  // Envoy: every matcher must match; requests routed before any filter ran have no metadata.
  for (const raw of match.dynamicMetadata ?? []) {
    const matches = compileMetadataMatcher(raw, 'dynamic_metadata');
    checks.push((req) => matches(req.dynamicMetadata));
  }
  return (req, query) => checks.every((check) => check(req, query));
}

function compilePath(match: RouteMatch): RouteMatcher {
  const { path } = match;
  const cs = match.caseSensitive;
  const expected = cs ? path.value : path.value.toLowerCase();
  const norm = cs ? (s: string) => s : (s: string) => s.toLowerCase();
  switch (path.kind) {
    // Envoy compares prefixes against the whole :path, query included.
    case 'prefix':
      return (req) => norm(req.path).startsWith(expected);
    case 'path':
      return (req) => norm(splitPath(req.path).path) === expected;
    case 'path_separated_prefix':
      return (req) => {
        const p = norm(splitPath(req.path).path);
        return p === expected || (p.startsWith(expected) && p[expected.length] === '/');
      };
    case 'regex': {
      const re = compileRegex(path.value);
      return (req) => re.fullMatch(splitPath(req.path).path);
    }
  }
}

/**
 * Envoy's header matching, including its treatment of a missing header: a value matcher never
 * matches it (inverted or not) unless `treat_missing_header_as_empty` reads it as ""; only
 * presence matchers say anything else about absence.
 */
export function compileHeaderMatcher(h: HeaderMatcher): RouteMatcher {
  const name = h.name.toLowerCase();
  const valueMatch = h.match ? compileStringMatch(h.match) : undefined;
  return (req) => {
    const value = requestHeader(req, name);
    if (value === undefined) {
      if (valueMatch) return h.treatMissingAsEmpty === true && valueMatch('') !== h.invert;
      // Presence matcher on a missing header: `absent` matches, inverted presence matches.
      return h.absent ? !h.invert : h.invert;
    }
    if (valueMatch) return valueMatch(value) !== h.invert;
    return h.absent ? h.invert : !h.invert;
  };
}

function compileQueryMatcher(q: QueryParameterMatcher): RouteMatcher {
  const valueMatch = q.match ? compileStringMatch(q.match) : undefined;
  return (_req, query) => {
    const value = query().get(q.name);
    if (q.presentMatch === false) return value === undefined;
    if (value === undefined) return false;
    return valueMatch ? valueMatch(value) : true;
  };
}

/** Lazily parsed query parameters, shared by all the routes tried for one request. */
export function lazyQuery(req: RouteRequest): () => Map<string, string> {
  let parsed: Map<string, string> | undefined;
  return () => (parsed ??= parseQuery(splitPath(req.path).query));
}
