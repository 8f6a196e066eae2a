import type { ConsistentHashLB } from '../../api/kinds/destination-rule/types.js';
import type { CorsPolicy, Headers, HTTPMatchRequest, HTTPRedirect, HTTPRewrite, HTTPDirectResponse, StringMatch } from '../../api/kinds/virtual-service/types.js';
import { parseDuration } from '../duration.js';
import type { ProtoObject } from '../protos.js';

/** Envoy StringMatcher for an Istio StringMatch. */
export function stringMatcher(m: StringMatch): ProtoObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/** `queryParams` → Envoy query_parameters (an empty match means "present"). */
export function queryParameters(m: HTTPMatchRequest | undefined): ProtoObject[] | undefined {
  const entries = Object.entries(m?.queryParams ?? {});
  if (entries.length === 0) return undefined;
  return entries.map(([name, sm]) => {
    const matcher = stringMatcher(sm);
    return matcher && !(sm.exact === undefined && sm.prefix === '') ? { name, string_match: matcher } : { name, present_match: true };
  });
}

function headerValueOptions(values: Record<string, string> | undefined, action: string): ProtoObject[] {
  return Object.entries(values ?? {}).map(([key, value]) => ({ header: { key, value }, append_action: action }));
}

/** Header operations of a route or a weighted cluster (set overwrites, add appends). */
export function headerOperations(headers: Headers | undefined): ProtoObject {
  const out: ProtoObject = {};
  const req = [...headerValueOptions(headers?.request?.set, 'OVERWRITE_IF_EXISTS_OR_ADD'), ...headerValueOptions(headers?.request?.add, 'APPEND_IF_EXISTS_OR_ADD')];
  const res = [...headerValueOptions(headers?.response?.set, 'OVERWRITE_IF_EXISTS_OR_ADD'), ...headerValueOptions(headers?.response?.add, 'APPEND_IF_EXISTS_OR_ADD')];
  if (req.length > 0) out.request_headers_to_add = req;
  if (headers?.request?.remove?.length) out.request_headers_to_remove = [...headers.request.remove];
  if (res.length > 0) out.response_headers_to_add = res;
  if (headers?.response?.remove?.length) out.response_headers_to_remove = [...headers.response.remove];
  return out;
}

/** Consistent-hash keys → route hash_policy (header, cookie, source IP, query parameter). */
export function hashPolicy(ch: ConsistentHashLB | undefined): ProtoObject[] | undefined {
  if (!ch) return undefined;
  if (ch.httpHeaderName) return [{ header: { header_name: ch.httpHeaderName.toLowerCase() } }];
  if (ch.httpCookie?.name) {
    const cookie: ProtoObject = { name: ch.httpCookie.name };
    if (ch.httpCookie.path) cookie.path = ch.httpCookie.path;
    const ttl = parseDuration(ch.httpCookie.ttl);
    if (ttl) cookie.ttl = ttl;
    return [{ cookie }];
  }
  if (ch.useSourceIp) return [{ connection_properties: { source_ip: true } }];
  if (ch.httpQueryParameterName) return [{ query_parameter: { name: ch.httpQueryParameterName } }];
  return undefined;
}

/** `rewrite` → prefix_rewrite / regex_rewrite and host_rewrite_literal on a RouteAction. */
export function applyRewrite(action: ProtoObject, rewrite: HTTPRewrite | undefined): void {
  if (!rewrite) return;
  if (rewrite.uriRegexRewrite?.match !== undefined) {
    action.regex_rewrite = { pattern: { regex: rewrite.uriRegexRewrite.match }, substitution: rewrite.uriRegexRewrite.rewrite ?? '' };
  } else if (rewrite.uri !== undefined) {
    action.prefix_rewrite = rewrite.uri;
  }
  if (rewrite.authority) action.host_rewrite_literal = rewrite.authority;
}

const REDIRECT_CODES: Readonly<Record<number, string>> = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };

/** `redirect` → RedirectAction (301 by default). */
export function redirectAction(r: HTTPRedirect): ProtoObject {
  const out: ProtoObject = { response_code: REDIRECT_CODES[r.redirectCode ?? 301] ?? 'MOVED_PERMANENTLY' };
  if (r.uri) out.path_redirect = r.uri;
  if (r.authority) out.host_redirect = r.authority;
  if (r.port) out.port_redirect = r.port;
  if (r.scheme) out.scheme_redirect = r.scheme;
  return out;
}

/** `directResponse` → DirectResponseAction. */
export function directResponseAction(d: HTTPDirectResponse): ProtoObject {
  const out: ProtoObject = { status: d.status ?? 200 };
  if (d.body?.string !== undefined) out.body = { inline_string: d.body.string };
  else if (d.body?.bytes !== undefined) out.body = { inline_bytes: Buffer.from(d.body.bytes, 'base64') };
  return out;
}

/** `corsPolicy` → the per-route `envoy.extensions.filters.http.cors.v3.CorsPolicy`. */
export function corsPolicy(c: CorsPolicy | undefined): ProtoObject | undefined {
  if (!c) return undefined;
  const origins = [...(c.allowOrigins ?? []).map(stringMatcher), ...(c.allowOrigin ?? []).map((o) => (o === '*' ? { prefix: '' } : { exact: o }))].filter((m): m is ProtoObject => !!m);
  const out: ProtoObject = { filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } } };
  if (origins.length > 0) out.allow_origin_string_match = origins;
  if (c.allowMethods?.length) out.allow_methods = c.allowMethods.join(',');
  if (c.allowHeaders?.length) out.allow_headers = c.allowHeaders.join(',');
  if (c.exposeHeaders?.length) out.expose_headers = c.exposeHeaders.join(',');
  const maxAge = parseDuration(c.maxAge);
  if (maxAge) out.max_age = String(maxAge.seconds);
  if (c.allowCredentials !== undefined) out.allow_credentials = { value: c.allowCredentials };
  // Istio forwards preflights that match no origin unless told to ignore them.
  out.forward_not_matching_preflights = { value: c.unmatchedPreflights !== 'IGNORE' };
  return out;
}

/** A mirror percentage (0–100, default 100) as a RuntimeFractionalPercent per million. */
export function mirrorFraction(value: number | undefined): ProtoObject {
  const pct = value === undefined ? 100 : Math.min(100, Math.max(0, value));
  return { default_value: { numerator: Math.round(pct * 10_000), denominator: 'MILLION' } };
}
