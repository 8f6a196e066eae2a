import type { ExtensionProvider } from '../../../api/kinds/mesh-config/types.js';
import { parseDuration, type ProtoDuration } from '../../duration.js';
import { messageType, type ProtoObject } from '../../protos.js';
import { clusterName } from '../cluster-name.js';
import type { SidecarScope } from '../sidecar-scope.js';

/** Envoy's HTTP ext_authz filter name and config type. */
export const EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';
/** Config type of {@link EXT_AUTHZ_FILTER}. */
export const EXT_AUTHZ_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
/** Prefix of the CUSTOM shadow RBAC's policy names, which the ext_authz filter is gated on. */
export const EXT_AUTHZ_MATCH_PREFIX = 'istio-ext-authz';
/** shadow_rules_stat_prefix of the CUSTOM shadow RBAC (also prefixes its metadata keys). */
export const EXT_AUTHZ_SHADOW_PREFIX = 'istio_ext_authz_';

/** A provider resolved for one proxy: its HTTP filter config and where it sends checks. */
export interface ResolvedExtAuthz {
  readonly provider: string;
  readonly kind: 'envoyExtAuthzHttp' | 'envoyExtAuthzGrpc';
  /** `outbound|PORT||HOST`, which the proxy must have among its clusters. */
  readonly cluster: string;
  readonly hostname: string;
  /** The ExtAuthz message (snake_case, ready to pack). */
  readonly config: ProtoObject;
  /** Problems that do not stop the filter (the proxy may lack the cluster). */
  readonly warnings: readonly string[];
}

/** Istio's default timeout between the filter and the authorizer. */
const DEFAULT_TIMEOUT: ProtoDuration = { seconds: 600, nanos: 0 };

type Body = Record<string, unknown>;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Header names as Istio reads them: exact, `abc*` prefix, `*abc` suffix. */
function headerList(headers: readonly string[]): ProtoObject | undefined {
  if (headers.length === 0) return undefined;
  return {
    // Header names are case-insensitive; istiod sets ignore_case on every pattern.
    patterns: headers.map((h) => {
      if (h.startsWith('*')) return { suffix: h.slice(1), ignore_case: true };
      if (h.endsWith('*')) return { prefix: h.slice(0, -1), ignore_case: true };
      return { exact: h, ignore_case: true };
    }),
  };
}

function statusOnError(value: unknown): ProtoObject | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value);
  const code = Number(text);
  const codes = (messageType('envoy.type.v3.HttpStatus').fields.code!.resolve().resolvedType as unknown as { valuesById: Record<number, string> }).valuesById;
  if (!/^\d+$/.test(text) || !codes[code]) throw new Error(`unsupported statusOnError ${text}`);
  return { code };
}

function timeout(value: unknown): ProtoDuration {
  if (value === undefined || value === null || value === '') return DEFAULT_TIMEOUT;
  const d = parseDuration(String(value));
  if (!d) throw new Error(`invalid timeout ${JSON.stringify(value)}`);
  return d;
}

function withRequestBody(value: unknown): ProtoObject | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const b = value as Body;
  const max = Number(b.maxRequestBytes ?? 0);
  // Envoy refuses a body buffer of 0 bytes; a provider asking for one is unusable, not half-applied.
  if (!Number.isInteger(max) || max <= 0) throw new Error(`includeRequestBodyInCheck.maxRequestBytes must be a positive integer, found: ${String(b.maxRequestBytes)}`);
  const out: ProtoObject = { max_request_bytes: max };
  if (b.allowPartialMessage !== undefined) out.allow_partial_message = b.allowPartialMessage === true;
  if (b.packAsBytes !== undefined) out.pack_as_bytes = b.packAsBytes === true;
  return out;
}

/** `filter_enabled_metadata`: run only when the CUSTOM shadow RBAC matched one of its policies. */
export function extAuthzEnabledMetadata(rbacFilter: string): ProtoObject {
  return {
    filter: rbacFilter,
    path: [{ key: `${EXT_AUTHZ_SHADOW_PREFIX}shadow_effective_policy_id` }],
    value: { string_match: { prefix: EXT_AUTHZ_MATCH_PREFIX } },
  };
}

/**
 * The provider's service (`[namespace/]hostname`) as istiod resolves it: with a namespace the
 * host in that namespace; without, the host if exactly one namespace defines it.
 */
function lookupService(scope: SidecarScope, service: unknown): string {
  if (typeof service !== 'string' || service === '') throw new Error('service must not be empty');
  const slash = service.indexOf('/');
  const candidates = scope.push.registry.byHostname.get(slash < 0 ? service : service.slice(slash + 1)) ?? [];
  if (slash >= 0) {
    const ns = service.slice(0, slash);
    const svc = candidates.find((s) => s.namespace === ns);
    if (svc) return svc.hostname;
  } else {
    const namespaces = [...new Set(candidates.map((s) => s.namespace))];
    if (namespaces.length > 1) throw new Error(`found ${service} in multiple namespaces ${namespaces.join(', ')}, specify the namespace as <namespace>/<hostname>`);
    if (candidates[0]) return candidates[0].hostname;
  }
  throw new Error(`could not find service ${service} in the service registry`);
}

function portOf(value: unknown): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port must be in the range [1, 65535], found: ${String(value)}`);
  return port;
}

/** Whether the proxy will have the provider's cluster (the service visible with that port). */
function clusterWarnings(scope: SidecarScope, hostname: string, port: number): string[] {
  const svc = scope.serviceFor(hostname);
  if (!svc) return [`service ${hostname} is not visible to this proxy (exportTo or Sidecar egress), so it has no cluster to send checks to`];
  if (!svc.ports.some((p) => p.port === port)) return [`service ${hostname} has no port ${port}, so the proxy has no cluster outbound|${port}||${hostname}`];
  return [];
}

/**
 * The ext_authz HTTP filter config of a MeshConfig extension provider, as istiod builds it
 * (`envoyExtAuthzHttp`: http_service to `outbound|PORT||HOST`; `envoyExtAuthzGrpc`: envoy_grpc),
 * gated on the CUSTOM shadow RBAC. Throws an Error saying why a provider cannot be used.
 */
export function resolveExtAuthz(scope: SidecarScope, providers: readonly ExtensionProvider[] | undefined, name: string, rbacFilter: string): ResolvedExtAuthz {
  const matches = (providers ?? []).filter((p) => p?.name === name);
  if (matches.length === 0) {
    const known = (providers ?? []).map((p) => p?.name).filter(Boolean);
    throw new Error(`extension provider ${name} not found, available providers are [${known.join(', ')}]`);
  }
  if (matches.length > 1) throw new Error(`extension provider name must be unique, found duplicate: ${name}`);
  const p = matches[0]!;
  const kind = p.envoyExtAuthzHttp !== undefined && p.envoyExtAuthzHttp !== null ? 'envoyExtAuthzHttp' : p.envoyExtAuthzGrpc !== undefined && p.envoyExtAuthzGrpc !== null ? 'envoyExtAuthzGrpc' : undefined;
  if (!kind) throw new Error(`extension provider ${name} is not an ext_authz provider (envoyExtAuthzHttp or envoyExtAuthzGrpc)`);
  const body = (p[kind] ?? {}) as Body;
  const port = portOf(body.port);
  const hostname = lookupService(scope, body.service);
  const cluster = clusterName('outbound', port, '', hostname);
  const config: ProtoObject = {};
  const status = statusOnError(body.statusOnError);
  if (status) config.status_on_error = status;
  if (body.failOpen === true) config.failure_mode_allow = true;
  config.transport_api_version = 'V3';
  if (kind === 'envoyExtAuthzHttp') {
    const pathPrefix = typeof body.pathPrefix === 'string' ? body.pathPrefix : '';
    if (pathPrefix !== '' && !pathPrefix.startsWith('/')) throw new Error(`pathPrefix must begin with \`/\`, found: ${JSON.stringify(pathPrefix)}`);
    const service: ProtoObject = { server_uri: { uri: `http://${hostname}`, cluster, timeout: timeout(body.timeout) } };
    if (pathPrefix !== '') service.path_prefix = pathPrefix;
    const requestHeaders = strings(body.includeRequestHeadersInCheck);
    const allowed = headerList(requestHeaders.length > 0 ? requestHeaders : strings(body.includeHeadersInCheck));
    const additional = body.includeAdditionalHeadersInCheck && typeof body.includeAdditionalHeadersInCheck === 'object' ? body.includeAdditionalHeadersInCheck as Record<string, unknown> : {};
    const headersToAdd = Object.keys(additional).sort().map((key) => ({ key, value: String(additional[key]) }));
    if (allowed || headersToAdd.length > 0) {
      service.authorization_request = { ...(allowed ? { allowed_headers: allowed } : {}), ...(headersToAdd.length > 0 ? { headers_to_add: headersToAdd } : {}) };
    }
    const upstream = headerList(strings(body.headersToUpstreamOnAllow));
    const client = headerList(strings(body.headersToDownstreamOnDeny));
    const clientOnSuccess = headerList(strings(body.headersToDownstreamOnAllow));
    if (upstream || client || clientOnSuccess) {
      service.authorization_response = {
        ...(upstream ? { allowed_upstream_headers: upstream } : {}),
        ...(client ? { allowed_client_headers: client } : {}),
        ...(clientOnSuccess ? { allowed_client_headers_on_success: clientOnSuccess } : {}),
      };
    }
    config.http_service = service;
  } else {
    // The cluster name (with `|`) is no valid gRPC authority; istiod sends the service's host.
    config.grpc_service = { envoy_grpc: { cluster_name: cluster, authority: hostname }, timeout: timeout(body.timeout) };
  }
  const body2 = withRequestBody(body.includeRequestBodyInCheck);
  if (body2) config.with_request_body = body2;
  if (body.clearRouteCache === true) config.clear_route_cache = true;
  config.filter_enabled_metadata = extAuthzEnabledMetadata(rbacFilter);
  return { provider: name, kind, cluster, hostname, config, warnings: clusterWarnings(scope, hostname, port) };
}
