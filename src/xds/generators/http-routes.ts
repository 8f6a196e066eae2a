import type { ConsistentHashLB } from '../../api/kinds/destination-rule/types.js';
import type { Destination, HTTPFaultInjection, HTTPMatchRequest, HTTPRoute, StringMatch } from '../../api/kinds/virtual-service/types.js';
import { resolveShortHost } from '../../registry/hostname.js';
import { parseDuration } from '../duration.js';
import { grpcStatusCode } from '../grpc-status.js';
import { anyField, type ProtoObject } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { IndexedConfig, PushContext } from '../push-context.js';
import type { VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import { clusterName } from './cluster-name.js';
import { FAULT_FILTER } from './grpc-listeners.js';
import { claimMetadataMatcher, requiresJwtClaims, routingClaimPath } from './jwt-claim-match.js';
import { retryPolicy } from './retry-policy.js';

const HTTP_FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';

/** What a route is being built for: the service's host and port, and the proxy asking. */
export interface RouteScope {
  readonly push: PushContext;
  readonly proxy: ProxyInfo;
  readonly hostname: string;
  readonly port: number;
}

/** Istio's `percentage.value` (0–100, a double) as a FractionalPercent per million. */
function fraction(value: number | undefined): ProtoObject {
  const pct = value === undefined ? 100 : Math.min(100, Math.max(0, value));
  return { numerator: Math.round(pct * 10_000), denominator: 'MILLION' };
}

function stringMatcher(m: StringMatch): ProtoObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

function headerMatcher(name: string, m: StringMatch, invert: boolean): ProtoObject | undefined {
  // Istio reads no pattern and `regex: "*"` (not RE2) as "header present"; Plexus also an
  // empty prefix (Envoy refuses an empty prefix StringMatcher).
  if (m.prefix === '' || m.regex === '*' || (m.exact === undefined && m.prefix === undefined && m.regex === undefined)) {
    return { name, present_match: true, invert_match: invert };
  }
  const sm = stringMatcher(m);
  if (!sm) return undefined;
  // istiod: a `withoutHeaders` value match reads a missing header as "", so it holds then.
  return invert ? { name, string_match: sm, invert_match: true, treat_missing_header_as_empty: true } : { name, string_match: sm, invert_match: false };
}

/** Whether a VirtualService match block applies to this proxy and port at all. */
function matchApplies(m: HTTPMatchRequest, scope: RouteScope): boolean {
  if (m.port !== undefined && m.port !== scope.port) return false;
  if (m.gateways && m.gateways.length > 0 && !m.gateways.includes('mesh')) return false;
  if (m.sourceNamespace && m.sourceNamespace !== scope.proxy.namespace) return false;
  if (m.sourceLabels && !Object.entries(m.sourceLabels).every(([k, v]) => scope.proxy.labels[k] === v)) return false;
  // Proxyless clients verify no JWT: a block that needs claims could never match.
  if (requiresJwtClaims(m)) return false;
  return true;
}

/**
 * Envoy RouteMatch for one Istio match block (or the catch-all when there is none).
 * `noClaims`: the client verifies no JWT (proxyless gRPC), so a `withoutHeaders` claim always
 * holds and is left out rather than sent as a matcher the client may not know.
 */
export function routeMatch(m: HTTPMatchRequest | undefined, noClaims = false): ProtoObject {
  const out: ProtoObject = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  if (m?.ignoreUriCase) out.case_sensitive = { value: false };
  const headers: ProtoObject[] = [];
  const metadata: ProtoObject[] = [];
  // `@request.auth.claims…` keys match the verified JWT payload, not a header (istiod).
  for (const [field, invert] of [['headers', false], ['withoutHeaders', true]] as const) {
    for (const [name, sm] of Object.entries(m?.[field] ?? {})) {
      const claims = routingClaimPath(name);
      if (claims) {
        if (!noClaims) metadata.push(claimMetadataMatcher(claims, sm, invert));
        continue;
      }
      const h = headerMatcher(name.toLowerCase(), sm, invert);
      if (h) headers.push(h);
    }
  }
  // Istio matches method, authority and scheme on the pseudo-headers.
  const pseudo: Array<[string, StringMatch | undefined]> = [[':method', m?.method], [':authority', m?.authority], [':scheme', m?.scheme]];
  for (const [name, sm] of pseudo) {
    const h = sm ? headerMatcher(name, sm, false) : undefined;
    if (h) headers.push(h);
  }
  if (headers.length > 0) out.headers = headers;
  if (metadata.length > 0) out.dynamic_metadata = metadata;
  return out;
}

/** Bare HTTPFault for `typed_per_filter_config` (grpc NACKs it wrapped in FilterConfig). */
export function faultConfig(fault: HTTPFaultInjection | undefined): ProtoObject | undefined {
  if (!fault) return undefined;
  const out: ProtoObject = {};
  const delay = fault.delay;
  const fixed = parseDuration(delay?.fixedDelay);
  if (delay && fixed) {
    const pct = delay.percentage?.value ?? (delay.percent !== undefined ? delay.percent : undefined);
    out.delay = { fixed_delay: fixed, percentage: fraction(pct) };
  }
  const abort = fault.abort;
  if (abort) {
    const grpc = grpcStatusCode(abort.grpcStatus);
    if (grpc !== undefined) out.abort = { grpc_status: grpc, percentage: fraction(abort.percentage?.value) };
    else if (abort.httpStatus !== undefined) out.abort = { http_status: abort.httpStatus, percentage: fraction(abort.percentage?.value) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The service port a destination means: explicit, the service's only port, or the listener's. */
function destinationPort(scope: RouteScope, dest: Destination, host: string): number {
  if (dest.port?.number) return dest.port.number;
  const svc = scope.push.serviceFor(scope.proxy, host);
  if (svc && svc.ports.length === 1) return svc.ports[0]!.port;
  return scope.port;
}

function hashPolicy(scope: RouteScope, host: string): ProtoObject[] | undefined {
  const dr = scope.push.destinationRuleFor(scope.proxy, host);
  const ch: ConsistentHashLB | undefined = dr?.spec.trafficPolicy?.loadBalancer?.consistentHash;
  if (ch?.httpHeaderName) return [{ header: { header_name: ch.httpHeaderName.toLowerCase() } }];
  return undefined;
}

function routeAction(scope: RouteScope, vs: IndexedConfig<VirtualServiceSpec>, rule: HTTPRoute): ProtoObject | undefined {
  const dests = (rule.route ?? []).filter((d) => d.destination?.host);
  if (dests.length === 0) return undefined;
  const targets = dests.map((d) => {
    const host = resolveShortHost(d.destination!.host!, vs.namespace, scope.push.domainSuffix);
    return { name: clusterName('outbound', destinationPort(scope, d.destination!, host), d.destination!.subset ?? '', host), weight: d.weight ?? 0, host };
  });
  const action: ProtoObject = {};
  if (targets.length === 1) {
    action.cluster = targets[0]!.name;
  } else {
    const total = targets.reduce((s, t) => s + t.weight, 0);
    const clusters = targets.filter((t) => total === 0 || t.weight > 0).map((t) => ({ name: t.name, weight: { value: total === 0 ? 1 : t.weight } }));
    action.weighted_clusters = { clusters };
  }
  const timeout = parseDuration(rule.timeout);
  if (timeout) {
    action.timeout = timeout;
    // gRPC clients read the stream duration, not `timeout` (gRFC A31).
    action.max_stream_duration = { max_stream_duration: timeout, grpc_timeout_header_max: timeout };
  }
  const hash = hashPolicy(scope, targets[0]!.host);
  if (hash) action.hash_policy = hash;
  const retry = retryPolicy(rule.retries, hash !== undefined);
  if (retry) action.retry_policy = retry;
  return action;
}

/**
 * Envoy routes for a VirtualService's `http` rules, in order: one route per match block
 * (a rule without matches catches everything). Rules with redirect, direct response or
 * delegation have no proxyless equivalent and are left out.
 */
export function virtualServiceRoutes(scope: RouteScope, vs: IndexedConfig<VirtualServiceSpec>): ProtoObject[] {
  const routes: ProtoObject[] = [];
  (vs.spec.http ?? []).forEach((rule, i) => {
    const action = routeAction(scope, vs, rule);
    if (!action) return;
    const fault = faultConfig(rule.fault);
    const matches: Array<HTTPMatchRequest | undefined> = rule.match && rule.match.length > 0 ? rule.match.filter((m) => matchApplies(m, scope)) : [undefined];
    for (const m of matches) {
      const route: ProtoObject = { name: rule.name ?? `${vs.namespace}/${vs.name}/${i}`, match: routeMatch(m, true), route: action };
      if (fault) route.typed_per_filter_config = { [FAULT_FILTER]: anyField(HTTP_FAULT, fault) };
      routes.push(route);
    }
  });
  return routes;
}

/** The route used when no VirtualService applies: everything to the service's default cluster. */
export function defaultRoute(hostname: string, port: number): ProtoObject {
  return { name: 'default', match: { prefix: '/' }, route: { cluster: clusterName('outbound', port, '', hostname), retry_policy: retryPolicy(undefined) } };
}
