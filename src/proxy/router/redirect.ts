import type { PathMatch, RedirectAction } from '../config/model.js';
import { rewritePrefix, rewriteRegex } from './path-rewrite.js';
import type { CompiledRegex } from './regex.js';
import { splitPath } from './route-request.js';
import { stripPort } from './virtual-host-selector.js';

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/** The `location` of a redirect route, built from the request as Envoy does. */
export function redirectLocation(
  action: RedirectAction,
  req: { readonly scheme: string; readonly authority: string; readonly path: string },
  match: PathMatch,
  rewriteRe?: CompiledRegex,
): string {
  const scheme = action.schemeRedirect ?? req.scheme;
  let host = action.hostRedirect ?? stripPort(req.authority);
  const originalPort = portOf(req.authority);
  if (action.portRedirect !== undefined) {
    host = `${stripPort(host)}:${action.portRedirect}`;
  } else if (action.hostRedirect === undefined && originalPort !== undefined) {
    // Keep the port unless a scheme change makes it the new scheme's default or the old one's.
    const schemeChanged = action.schemeRedirect !== undefined && action.schemeRedirect !== req.scheme;
    if (!(schemeChanged && (originalPort === DEFAULT_PORTS[req.scheme] || originalPort === DEFAULT_PORTS[scheme]))) host = `${host}:${originalPort}`;
  }
  let path: string;
  if (action.pathRedirect !== undefined) {
    path = action.pathRedirect;
    // A path_redirect without its own query keeps the request's, unless strip_query.
    const query = splitPath(req.path).query;
    if (!path.includes('?') && query !== undefined) path = `${path}?${query}`;
  } else if (action.prefixRewrite !== undefined) {
    path = rewritePrefix(req.path, match, action.prefixRewrite);
  } else if (action.regexRewrite && rewriteRe) {
    path = rewriteRegex(req.path, rewriteRe, action.regexRewrite.substitution);
  } else {
    path = req.path;
  }
  if (action.stripQuery) path = splitPath(path).path;
  return `${scheme}://${host}${path}`;
}

function portOf(authority: string): string | undefined {
  const host = stripPort(authority);
  return host.length < authority.length ? authority.slice(host.length + 1) : undefined;
}
