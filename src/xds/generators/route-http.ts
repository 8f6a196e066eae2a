import type { Destination, HTTPMatchRequest, HTTPRoute, VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import { resolveShortHost } from '../../registry/hostname.js';
import { parseDuration } from '../duration.js';
import { anyField, type ProtoObject } from '../protos.js';
import type { IndexedConfig } from '../push-context.js';
import { clusterName } from './cluster-name.js';
import { FAULT_FILTER } from './grpc-listeners.js';
import { defaultRoute, faultConfig, routeMatch } from './http-routes.js';
import { requiresJwtClaims } from './jwt-claim-match.js';
import { applyRewrite, corsPolicy, directResponseAction, hashPolicy, headerOperations, mirrorFraction, queryParameters, redirectAction } from './route-policies.js';
import { retryPolicy } from './retry-policy.js';
import { clusterPolicy } from './sidecar-endpoints.js';
import { qualifyGateway } from './sidecar-mesh-index.js';
import type { SidecarScope } from './sidecar-scope.js';

/** HTTP filter name of CORS, as Envoy registers it. */
export const CORS_FILTER = 'envoy.filters.http.cors';

const HTTP_FAULT = 'envoy.extensions.filters.http.fault.v3.HTTPFault';
const CORS_POLICY = 'envoy.extensions.filters.http.cors.v3.CorsPolicy';
const ZERO = { seconds: 0, nanos: 0 };

/** What HTTP routes are built for: a proxy's scope, a listener port, and a gateway (or the mesh). */
export interface HttpRouteContext {
  readonly scope: SidecarScope;
  readonly port: number;
  /** `namespace/name` of the Gateway; undefined for sidecars (the `mesh` gateway). */
  readonly gateway?: string;
}

/** The gateways a VirtualService binds to (`mesh` when it names none), as `namespace/name`. */
export function vsGateways(vs: IndexedConfig<VirtualServiceSpec>): string[] {
  const refs = vs.spec.gateways && vs.spec.gateways.length > 0 ? vs.spec.gateways : ['mesh'];
  return refs.map((g) => qualifyGateway(g, vs.namespace));
}

/**
 * Whether a match block applies to this proxy: its port, its gateways (the rule's own or
 * else the VirtualService's), and the source namespace and labels of the proxy.
 */
function matchApplies(m: HTTPMatchRequest, ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>): boolean {
  const proxy = ctx.scope.proxy;
  if (m.port !== undefined && m.port !== ctx.port) return false;
  const gateways = m.gateways && m.gateways.length > 0 ? m.gateways.map((g) => qualifyGateway(g, vs.namespace)) : vsGateways(vs);
  if (!gateways.includes(ctx.gateway ?? 'mesh')) return false;
  if (m.sourceNamespace && m.sourceNamespace !== proxy.namespace) return false;
  if (m.sourceLabels && !Object.entries(m.sourceLabels).every(([k, v]) => proxy.labels[k] === v)) return false;
  // Claims are verified by the gateway's jwt_authn before routing picks again; a sidecar's
  // outbound requests carry none, so a block needing one could never match there.
  if (ctx.gateway === undefined && requiresJwtClaims(m)) return false;
  return true;
}

/** The service port a destination means: explicit, the service's only port, the listener's, or its first. */
export function destinationPort(ctx: HttpRouteContext, dest: Destination, host: string): number {
  if (dest.port?.number) return dest.port.number;
  const svc = ctx.scope.serviceFor(host);
  if (!svc || svc.ports.length === 0) return ctx.port;
  if (svc.ports.length === 1 || !svc.ports.some((p) => p.port === ctx.port)) return svc.ports[0]!.port;
  return ctx.port;
}

/** A destination's cluster name, its host resolved in the VirtualService's namespace. */
export function destinationCluster(ctx: HttpRouteContext, vs: { namespace: string }, dest: Destination): { name: string; host: string; port: number; subset: string } {
  const host = resolveShortHost(dest.host ?? '', vs.namespace, ctx.scope.push.domainSuffix);
  const port = destinationPort(ctx, dest, host);
  const subset = dest.subset ?? '';
  return { name: clusterName('outbound', port, subset, host), host, port, subset };
}

function hashFor(ctx: HttpRouteContext, target: { host: string; port: number; subset: string }): ProtoObject[] | undefined {
  return hashPolicy(clusterPolicy(ctx.scope, target.host, target.port, target.subset)?.loadBalancer?.consistentHash);
}

function routeAction(ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>, rule: HTTPRoute): ProtoObject | undefined {
  const dests = (rule.route ?? []).filter((d) => d.destination?.host);
  if (dests.length === 0) return undefined;
  const targets = dests.map((d) => ({ ...destinationCluster(ctx, vs, d.destination!), weight: d.weight ?? 0, headers: d.headers }));
  const action: ProtoObject = {};
  const total = targets.reduce((s, t) => s + t.weight, 0);
  const kept = targets.filter((t) => total === 0 || t.weight > 0);
  if (kept.length === 1) {
    action.cluster = kept[0]!.name;
  } else {
    action.weighted_clusters = {
      clusters: kept.map((t) => ({ name: t.name, weight: { value: total === 0 ? 1 : t.weight }, ...headerOperations(t.headers) })),
    };
  }
  // Istio disables Envoy's 15s default: no timeout unless the rule sets one.
  const timeout = parseDuration(rule.timeout) ?? ZERO;
  action.timeout = timeout;
  action.max_stream_duration = { max_stream_duration: timeout, grpc_timeout_header_max: timeout };
  applyRewrite(action, rule.rewrite);
  const mirrors: ProtoObject[] = [];
  if (rule.mirror?.host) {
    mirrors.push({ cluster: destinationCluster(ctx, vs, rule.mirror).name, runtime_fraction: mirrorFraction(rule.mirrorPercentage?.value ?? rule.mirrorPercent), trace_sampled: { value: false } });
  }
  for (const m of rule.mirrors ?? []) {
    if (m.destination?.host) mirrors.push({ cluster: destinationCluster(ctx, vs, m.destination).name, runtime_fraction: mirrorFraction(m.percentage?.value), trace_sampled: { value: false } });
  }
  if (mirrors.length > 0) action.request_mirror_policies = mirrors;
  const hash = hashFor(ctx, kept[0]!);
  if (hash) action.hash_policy = hash;
  const retry = retryPolicy(rule.retries, hash !== undefined);
  if (retry) action.retry_policy = retry;
  return action;
}

/** Per-route filter configs: fault (bare HTTPFault, as X found gRPC needs) and CORS. */
function perFilterConfig(rule: HTTPRoute): ProtoObject | undefined {
  const out: ProtoObject = {};
  const fault = faultConfig(rule.fault);
  if (fault) out[FAULT_FILTER] = anyField(HTTP_FAULT, fault);
  const cors = corsPolicy(rule.corsPolicy);
  if (cors) out[CORS_FILTER] = anyField(CORS_POLICY, cors);
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Envoy routes for a VirtualService's `http` rules, in order, one per applicable match
 * block (a rule without matches catches everything). Each route forwards (cluster or
 * weighted clusters, with timeout, retries, rewrite, mirrors and hash policy), redirects
 * or answers directly; fault, CORS and header operations ride along.
 */
export function httpRoutes(ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>): ProtoObject[] {
  const routes: ProtoObject[] = [];
  for (const rule of vs.spec.http ?? []) {
    let body: ProtoObject;
    if (rule.redirect) body = { redirect: redirectAction(rule.redirect) };
    else if (rule.directResponse) body = { direct_response: directResponseAction(rule.directResponse) };
    else {
      const action = routeAction(ctx, vs, rule);
      if (!action) continue;
      body = { route: action };
    }
    const filters = perFilterConfig(rule);
    const ops = headerOperations(rule.headers);
    // A single destination's own header operations apply to the whole route.
    const only = rule.route?.length === 1 ? headerOperations(rule.route[0]!.headers) : {};
    const matches: Array<HTTPMatchRequest | undefined> = rule.match && rule.match.length > 0 ? rule.match.filter((m) => matchApplies(m, ctx, vs)) : (vsGateways(vs).includes(ctx.gateway ?? 'mesh') ? [undefined] : []);
    for (const m of matches) {
      const match = routeMatch(m);
      const qp = queryParameters(m);
      if (qp) match.query_parameters = qp;
      const route: ProtoObject = { match, ...body, ...mergeOps(ops, only) };
      const name = [rule.name, m?.name].filter(Boolean).join('.');
      if (name) route.name = name;
      if (filters) route.typed_per_filter_config = filters;
      routes.push(route);
    }
  }
  return routes;
}

function mergeOps(a: ProtoObject, b: ProtoObject): ProtoObject {
  const out: ProtoObject = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = [...((out[k] as unknown[] | undefined) ?? []), ...(v as unknown[])];
  return out;
}

/**
 * The route for a service without a VirtualService: X's default route (everything to
 * `outbound|<port>||<host>` with Istio's retries) plus Istio's disabled timeout and the
 * DestinationRule's hash policy.
 */
export function sidecarDefaultRoute(ctx: HttpRouteContext, hostname: string, port: number): ProtoObject {
  const route = defaultRoute(hostname, port);
  const action = route.route as ProtoObject;
  action.timeout = ZERO;
  action.max_stream_duration = { max_stream_duration: ZERO, grpc_timeout_header_max: ZERO };
  const hash = hashFor(ctx, { host: hostname, port, subset: '' });
  if (hash) {
    action.hash_policy = hash;
    action.retry_policy = retryPolicy(undefined, true);
  }
  return route;
}
