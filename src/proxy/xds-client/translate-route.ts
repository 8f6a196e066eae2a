import type {
  DirectResponseAction, HashPolicy, HeaderValueOption, MirrorPolicy, PathMatch, RedirectAction, RetryPolicy, Route, RouteAction,
  RouteConfiguration, RouteMatch, VirtualHost, WeightedCluster,
} from '../config/model.js';
import { parsePerRouteFilterConfig } from '../filters/registry.js';
import { compileMetadataMatcherInto } from '../matchers/metadata-matcher.js';
import { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { dataSourceText, durationMs, fractionOf, list, num, obj, str, strings, wrapped, wrappedBool } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { checkRegex, translateHeaderMatcher, translateQueryParameterMatcher } from './translate-matchers.js';

/** Envoy's route timeout when a route sets none. */
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

const APPEND_ACTION: Readonly<Record<string, HeaderValueOption['action']>> = {
  APPEND_IF_EXISTS_OR_ADD: 'append',
  ADD_IF_ABSENT: 'add_if_absent',
  OVERWRITE_IF_EXISTS_OR_ADD: 'overwrite',
  OVERWRITE_IF_EXISTS: 'overwrite_if_exists',
};

const REDIRECT_CODE: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308,
};

/** Header names Envoy refuses to let routes add or remove. */
function checkMutableHeader(name: string, at: FieldPath): void {
  const lower = name.toLowerCase();
  if (lower.startsWith(':') || lower === 'host') at.fail(`header ${name} cannot be modified here`);
}

/** `request_headers_to_add` and friends. */
export function translateHeadersToAdd(v: unknown, at: FieldPath): HeaderValueOption[] | undefined {
  const items = list(v);
  if (items.length === 0) return undefined;
  return items.map((h, i) => {
    const p = at.at('', i);
    const header = obj(h.header) ?? p.at('header').fail('header is required');
    const key = str(header.key) ?? p.at('header').at('key').fail('header key is required');
    checkMutableHeader(key, p.at('header').at('key'));
    const value = typeof header.value === 'string' ? header.value : typeof header.raw_value === 'string' ? Buffer.from(header.raw_value, 'base64').toString('utf8') : '';
    // The deprecated `append` wins when set, as in Envoy.
    const append = wrappedBool(h.append);
    let action: HeaderValueOption['action'];
    if (append !== undefined) action = append ? 'append' : 'overwrite';
    else action = APPEND_ACTION[String(h.append_action ?? 'APPEND_IF_EXISTS_OR_ADD')] ?? p.at('append_action').fail(`unknown append action ${String(h.append_action)}`);
    return { key, value, action };
  });
}

/** `request_headers_to_remove` and friends. */
export function translateHeadersToRemove(v: unknown, at: FieldPath): string[] | undefined {
  const names = strings(v);
  names.forEach((n, i) => checkMutableHeader(n, at.at('', i)));
  return names.length > 0 ? names : undefined;
}

/** The four header-operation fields every level (route config, vhost, route, weighted cluster) shares. */
function headerOps(v: ProtoJson, at: FieldPath): Pick<Route, 'requestHeadersToAdd' | 'requestHeadersToRemove' | 'responseHeadersToAdd' | 'responseHeadersToRemove'> {
  const out: Record<string, unknown> = {
    requestHeadersToAdd: translateHeadersToAdd(v.request_headers_to_add, at.at('request_headers_to_add')),
    requestHeadersToRemove: translateHeadersToRemove(v.request_headers_to_remove, at.at('request_headers_to_remove')),
    responseHeadersToAdd: translateHeadersToAdd(v.response_headers_to_add, at.at('response_headers_to_add')),
    responseHeadersToRemove: translateHeadersToRemove(v.response_headers_to_remove, at.at('response_headers_to_remove')),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

const FILTER_CONFIG_TYPE = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';

/** The decoded message's type URL: `@type` when protobufjs knew the type, else the packed `type_url`. */
function typeUrlOf(c: ProtoJson): string {
  return typeof c['@type'] === 'string' ? c['@type'] : String(c.type_url ?? '');
}

/**
 * `typed_per_filter_config`: each value is kept as decoded (with its `@type`, so the filter can
 * tell a bare config from an `envoy.config.route.v3.FilterConfig` wrapper), after the filter that
 * owns its type has parsed it. No filter for the type rejects the resource, unless the wrapper
 * says `is_optional` (then it is skipped, as Envoy does); a config its filter refuses rejects it
 * with every reason. The proxy never acknowledges a per-route config it cannot apply.
 */
function perFilterConfig(v: unknown, at: FieldPath): Readonly<Record<string, unknown>> | undefined {
  const m = obj(v);
  if (!m || Object.keys(m).length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, cfg] of Object.entries(m)) {
    const p = at.at(name);
    const c = obj(cfg) ?? p.fail('a typed config is required');
    let inner: ProtoJson = c;
    let optional = false;
    let disabled = false;
    if (typeUrlOf(c) === FILTER_CONFIG_TYPE) {
      optional = c.is_optional === true;
      disabled = c.disabled === true;
      const wrapped = obj(c.config);
      if (!wrapped) {
        if (!disabled) p.at('config').fail('FilterConfig without config must set disabled');
        out[name] = c;
        continue;
      }
      inner = wrapped;
    }
    const type = typeUrlOf(inner);
    const { '@type': _type, ...body } = inner;
    const parsed = parsePerRouteFilterConfig(type, body);
    if (!parsed) {
      if (optional) continue;
      return p.fail(`no HTTP filter takes per-route config of type ${type || '(none)'} (filter ${name}; not is_optional, so it cannot be skipped)`);
    }
    if (!parsed.ok) p.fail(`invalid per-route config ${type} for filter ${name}: ${parsed.errors.join('; ')}`);
    out[name] = c;
  }
  return out;
}

function retryPolicy(r: ProtoJson, at: FieldPath): RetryPolicy {
  const retryOn = (str(r.retry_on) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const predicates = list(r.retry_host_predicate);
  predicates.forEach((p, i) => {
    if (p.name !== 'envoy.retry_host_predicates.previous_hosts') at.at('retry_host_predicate', i).fail(`unsupported retry host predicate ${String(p.name)}`);
  });
  const priority = obj(r.retry_priority);
  let updateFrequency: number | undefined;
  if (priority) {
    if (priority.name !== 'envoy.retry_priorities.previous_priorities') at.at('retry_priority').fail(`unsupported retry priority ${String(priority.name)}`);
    updateFrequency = num(obj(priority.typed_config)?.update_frequency) ?? 0;
    if (updateFrequency <= 0) at.at('retry_priority').at('typed_config').at('update_frequency').fail('must be greater than zero');
  }
  const backoff = obj(r.retry_back_off);
  const base = durationMs(backoff?.base_interval, at.at('retry_back_off').at('base_interval'));
  const max = durationMs(backoff?.max_interval, at.at('retry_back_off').at('max_interval'));
  if (backoff && (base === undefined || base <= 0)) at.at('retry_back_off').at('base_interval').fail('must be greater than zero');
  if (base !== undefined && max !== undefined && max < base) at.at('retry_back_off').at('max_interval').fail('must not be below base_interval');
  const out: { -readonly [K in keyof RetryPolicy]: RetryPolicy[K] } = {
    retryOn,
    numRetries: wrapped(r.num_retries) ?? 1,
    retriableStatusCodes: Array.isArray(r.retriable_status_codes) ? r.retriable_status_codes.map(Number) : [],
    retryHostPredicatePreviousHosts: predicates.length > 0,
  };
  const perTry = durationMs(r.per_try_timeout, at.at('per_try_timeout'));
  if (perTry !== undefined) out.perTryTimeoutMs = perTry;
  const attempts = num(r.host_selection_retry_max_attempts);
  if (attempts !== undefined) out.hostSelectionRetryMaxAttempts = attempts;
  if (updateFrequency !== undefined) out.previousPrioritiesUpdateFrequency = updateFrequency;
  if (base !== undefined) out.backoffBaseMs = base;
  if (max !== undefined) out.backoffMaxMs = max;
  return out;
}

function pathMatch(m: ProtoJson, at: FieldPath): PathMatch {
  if (typeof m.prefix === 'string') return { kind: 'prefix', value: m.prefix };
  if (typeof m.path === 'string') return { kind: 'path', value: m.path };
  const regex = obj(m.safe_regex);
  if (regex) return { kind: 'regex', value: checkRegex(regex.regex, at.at('safe_regex').at('regex')) };
  if (typeof m.path_separated_prefix === 'string') {
    const v = m.path_separated_prefix;
    if (!v.startsWith('/') || (v.length > 1 && v.endsWith('/')) || /[?#]/.test(v)) at.at('path_separated_prefix').fail(`invalid value ${JSON.stringify(v)}`);
    return { kind: 'path_separated_prefix', value: v };
  }
  if (m.connect_matcher !== undefined) at.at('connect_matcher').fail('CONNECT matching is not supported');
  if (m.path_match_policy !== undefined) at.at('path_match_policy').fail('path match policies are not supported');
  return at.fail('one of prefix, path, safe_regex, path_separated_prefix is required');
}

function routeMatch(m: ProtoJson, at: FieldPath): RouteMatch {
  for (const unsupported of ['runtime_fraction', 'tls_context', 'filter_state', 'cel_expr']) {
    if (m[unsupported] !== undefined && !(Array.isArray(m[unsupported]) && (m[unsupported] as unknown[]).length === 0)) at.at(unsupported).fail('not supported');
  }
  const dynamicMetadata = list(m.dynamic_metadata);
  dynamicMetadata.forEach((raw, i) => {
    const errors: string[] = [];
    compileMetadataMatcherInto(raw, at.at('dynamic_metadata', i).path, errors);
    // The messages carry their own field paths.
    if (errors.length > 0) new FieldPath(at.resource).fail(errors.join('; '));
  });
  return {
    path: pathMatch(m, at),
    caseSensitive: wrappedBool(m.case_sensitive) ?? true,
    headers: list(m.headers).map((h, i) => translateHeaderMatcher(h, at.at('headers', i))),
    queryParameters: list(m.query_parameters).map((q, i) => translateQueryParameterMatcher(q, at.at('query_parameters', i))),
    ...(m.grpc !== undefined ? { grpc: true } : {}),
    ...(dynamicMetadata.length > 0 ? { dynamicMetadata } : {}),
  };
}

function weightedClusters(a: ProtoJson, at: FieldPath): WeightedCluster[] {
  if (typeof a.cluster === 'string') {
    if (a.cluster === '') at.at('cluster').fail('cluster name must not be empty');
    return [{ name: a.cluster, weight: 1 }];
  }
  const wc = obj(a.weighted_clusters);
  if (wc) {
    const p = at.at('weighted_clusters');
    const items = list(wc.clusters);
    if (items.length === 0) p.at('clusters').fail('at least one cluster is required');
    const out = items.map((c, i): WeightedCluster => {
      const cp = p.at('clusters', i);
      if (c.cluster_header !== undefined) cp.at('cluster_header').fail('cluster_header is not supported');
      if (Object.keys(obj(c.typed_per_filter_config) ?? {}).length > 0) cp.at('typed_per_filter_config').fail('per-filter config on weighted clusters is not supported');
      const name = str(c.name) ?? cp.at('name').fail('cluster name is required');
      const hostRewrite = str(c.host_rewrite_literal);
      return { name, weight: wrapped(c.weight) ?? 0, ...headerOps(c, cp), ...(hostRewrite ? { hostRewrite } : {}) };
    });
    if (out.reduce((s, c) => s + c.weight, 0) <= 0) p.fail('the sum of weights must be greater than zero');
    return out;
  }
  if (a.cluster_header !== undefined) at.at('cluster_header').fail('cluster_header is not supported');
  if (a.cluster_specifier_plugin !== undefined || a.inline_cluster_specifier_plugin !== undefined) at.fail('cluster specifier plugins are not supported');
  return at.fail('route to nowhere: one of cluster, weighted_clusters is required');
}

function hashPolicies(v: unknown, at: FieldPath): HashPolicy[] {
  return list(v).map((h, i): HashPolicy => {
    const p = at.at('', i);
    const terminal = h.terminal === true;
    const header = obj(h.header);
    if (header) return { kind: 'header', name: str(header.header_name) ?? p.at('header').at('header_name').fail('required'), terminal };
    const cookie = obj(h.cookie);
    if (cookie) {
      const ttlMs = durationMs(cookie.ttl, p.at('cookie').at('ttl'));
      const path = str(cookie.path);
      return { kind: 'cookie', name: str(cookie.name) ?? p.at('cookie').at('name').fail('required'), ...(ttlMs !== undefined ? { ttlMs } : {}), ...(path ? { path } : {}), terminal };
    }
    const props = obj(h.connection_properties);
    if (props) {
      if (props.source_ip !== true) p.at('connection_properties').at('source_ip').fail('must be true');
      return { kind: 'source_ip', terminal };
    }
    const qp = obj(h.query_parameter);
    if (qp) return { kind: 'query_parameter', name: str(qp.name) ?? p.at('query_parameter').at('name').fail('required'), terminal };
    return p.fail('unsupported hash policy (header, cookie, connection_properties, query_parameter are)');
  });
}

function mirrors(v: unknown, at: FieldPath): MirrorPolicy[] {
  return list(v).map((m, i) => {
    const p = at.at('', i);
    if (m.cluster_header !== undefined) p.at('cluster_header').fail('not supported');
    const cluster = str(m.cluster) ?? p.at('cluster').fail('cluster is required');
    const runtime = obj(m.runtime_fraction);
    const fraction = runtime ? (fractionOf(runtime.default_value) ?? 0) : 1;
    return { cluster, fraction };
  });
}

function upgradeTypes(v: unknown): string[] | undefined {
  const configs = list(v);
  if (configs.length === 0) return undefined;
  return configs.filter((u) => wrappedBool(u.enabled) !== false).map((u) => String(u.upgrade_type ?? '').toLowerCase()).filter(Boolean);
}

function routeAction(a: ProtoJson, at: FieldPath): RouteAction {
  const out: { -readonly [K in keyof RouteAction]: RouteAction[K] } = {
    kind: 'route',
    clusters: weightedClusters(a, at),
    timeoutMs: durationMs(a.timeout, at.at('timeout')) ?? DEFAULT_ROUTE_TIMEOUT_MS,
    hashPolicy: hashPolicies(a.hash_policy, at.at('hash_policy')),
    mirrors: mirrors(a.request_mirror_policies, at.at('request_mirror_policies')),
  };
  const idle = durationMs(a.idle_timeout, at.at('idle_timeout'));
  if (idle !== undefined) out.idleTimeoutMs = idle;
  const retry = obj(a.retry_policy);
  if (retry) out.retryPolicy = retryPolicy(retry, at.at('retry_policy'));
  if (typeof a.prefix_rewrite === 'string') out.prefixRewrite = a.prefix_rewrite;
  const rr = obj(a.regex_rewrite);
  if (rr) out.regexRewrite = { pattern: checkRegex(obj(rr.pattern)?.regex, at.at('regex_rewrite').at('pattern').at('regex')), substitution: String(rr.substitution ?? '') };
  if (out.prefixRewrite !== undefined && out.regexRewrite) at.at('regex_rewrite').fail('prefix_rewrite and regex_rewrite are exclusive');
  const host = str(a.host_rewrite_literal);
  if (host) out.hostRewrite = host;
  if (wrappedBool(a.auto_host_rewrite) === true) out.autoHostRewrite = true;
  if (a.host_rewrite_header !== undefined || a.host_rewrite_path_regex !== undefined) at.fail('host rewrite from a header or path is not supported');
  const upgrades = upgradeTypes(a.upgrade_configs);
  if (upgrades) out.upgradeTypes = upgrades;
  const maxStream = durationMs(obj(a.max_stream_duration)?.max_stream_duration, at.at('max_stream_duration').at('max_stream_duration'));
  if (maxStream !== undefined) out.maxStreamDurationMs = maxStream;
  return out;
}

function redirectAction(r: ProtoJson, at: FieldPath): RedirectAction {
  const code = REDIRECT_CODE[String(r.response_code ?? 'MOVED_PERMANENTLY')] ?? at.at('response_code').fail(`unknown response code ${String(r.response_code)}`);
  const out: { -readonly [K in keyof RedirectAction]: RedirectAction[K] } = { kind: 'redirect', responseCode: code, stripQuery: r.strip_query === true };
  if (r.https_redirect === true) out.schemeRedirect = 'https';
  else if (str(r.scheme_redirect)) out.schemeRedirect = String(r.scheme_redirect);
  if (str(r.host_redirect)) out.hostRedirect = String(r.host_redirect);
  const port = num(r.port_redirect);
  if (port) out.portRedirect = port;
  if (str(r.path_redirect)) out.pathRedirect = String(r.path_redirect);
  if (typeof r.prefix_rewrite === 'string') out.prefixRewrite = r.prefix_rewrite;
  const rr = obj(r.regex_rewrite);
  if (rr) out.regexRewrite = { pattern: checkRegex(obj(rr.pattern)?.regex, at.at('regex_rewrite').at('pattern').at('regex')), substitution: String(rr.substitution ?? '') };
  return out;
}

function directResponse(d: ProtoJson, at: FieldPath, ctx: TranslateContext): DirectResponseAction {
  const status = num(d.status) ?? 0;
  if (status < 200 || status > 599) at.at('status').fail(`status ${status} is outside 200..599`);
  const body = dataSourceText(d.body, at.at('body'), ctx.readFile);
  return { kind: 'direct_response', status, ...(body !== undefined ? { body } : {}) };
}

function route(r: ProtoJson, at: FieldPath, ctx: TranslateContext): Route {
  const match = routeMatch(obj(r.match) ?? at.at('match').fail('match is required'), at.at('match'));
  let action: Route['action'];
  const ra = obj(r.route);
  const redirect = obj(r.redirect);
  const direct = obj(r.direct_response);
  if (ra) action = routeAction(ra, at.at('route'));
  else if (redirect) action = redirectAction(redirect, at.at('redirect'));
  else if (direct) action = directResponse(direct, at.at('direct_response'), ctx);
  else if (r.non_forwarding_action !== undefined || r.filter_action !== undefined) return at.fail('non-forwarding and filter actions are not supported');
  else return at.fail('one of route, redirect, direct_response is required');
  const name = str(r.name);
  const decorator = str(obj(r.decorator)?.operation);
  const pfc = perFilterConfig(r.typed_per_filter_config, at.at('typed_per_filter_config'));
  return { ...(name ? { name } : {}), match, action, ...headerOps(r, at), ...(pfc ? { perFilterConfig: pfc } : {}), ...(decorator ? { decorator } : {}) };
}

function virtualHost(v: ProtoJson, at: FieldPath, ctx: TranslateContext): VirtualHost {
  const name = str(v.name) ?? at.at('name').fail('virtual host name is required');
  const domains = strings(v.domains);
  if (domains.length === 0) at.at('domains').fail('at least one domain is required');
  domains.forEach((d, i) => {
    // Envoy allows one wildcard, at either end, or `*` alone.
    const stars = d.split('*').length - 1;
    if (d === '' || stars > 1 || (stars === 1 && d !== '*' && !d.startsWith('*') && !d.endsWith('*'))) at.at('domains', i).fail(`invalid domain ${JSON.stringify(d)}`);
  });
  if (v.require_tls !== undefined && v.require_tls !== 'NONE') at.at('require_tls').fail('not supported');
  const pfc = perFilterConfig(v.typed_per_filter_config, at.at('typed_per_filter_config'));
  const retry = obj(v.retry_policy);
  return {
    name,
    domains,
    routes: list(v.routes).map((r, i) => route(r, at.at('routes', i), ctx)),
    ...headerOps(v, at),
    ...(pfc ? { perFilterConfig: pfc } : {}),
    ...(retry ? { retryPolicy: retryPolicy(retry, at.at('retry_policy')) } : {}),
  };
}

/**
 * `config.route.v3.RouteConfiguration` → model. Rejects what Envoy rejects (duplicate
 * domains, bad regexes, actions without a target) and what the proxy cannot do.
 */
export function translateRouteConfiguration(rc: ProtoJson, at: FieldPath, ctx: TranslateContext): RouteConfiguration {
  const name = typeof rc.name === 'string' ? rc.name : '';
  if (rc.vhds !== undefined) at.at('vhds').fail('VHDS is not supported');
  if (Object.keys(obj(rc.typed_per_filter_config) ?? {}).length > 0) at.at('typed_per_filter_config').fail('per-filter config on the route configuration is not supported (set it on virtual hosts or routes)');
  const seen = new Map<string, string>();
  const virtualHosts = list(rc.virtual_hosts).map((v, i) => {
    const vh = virtualHost(v, at.at('virtual_hosts', i), ctx);
    vh.domains.forEach((d, j) => {
      const key = d.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) at.at('virtual_hosts', i).at('domains', j).fail(`domain ${d} is also used by virtual host ${other}`);
      seen.set(key, vh.name);
    });
    return vh;
  });
  return { name, virtualHosts, ...headerOps(rc, at) };
}
