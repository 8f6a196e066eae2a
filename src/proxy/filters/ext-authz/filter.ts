import { appendHeader, getHeader, type HeaderMap } from '../../http/header-map.js';
import type { RouteSelection } from '../../router/route-table.js';
import type { FilterDeps, FilterOutcome, HttpFilter, HttpFilterContext } from '../filter-api.js';
import { perRouteCache, readPerRouteEntry } from '../per-route-config.js';
import type { CheckClient, CheckInput, CheckOk, HeaderChange } from './check-types.js';
import { parseExtAuthzPerRoute, type BufferSettings, type ExtAuthzConfig, type ExtAuthzPerRoute } from './config.js';
import { createGrpcCheckClient } from './grpc-check-client.js';
import { createHttpCheckClient } from './http-check-client.js';
import { bufferRequestBody, requestHasBody } from './request-body.js';
import { EnvoyNamedCounters } from '../../../telemetry/envoy-named-counters.js';
import { extAuthzCounters, type ExtAuthzCounters } from './stats.js';

/** Where ext_authz writes the server's dynamic metadata (Envoy's filter name). */
export const EXT_AUTHZ_METADATA_NAMESPACE = 'envoy.filters.http.ext_authz';
const FAILURE_MODE_HEADER = 'x-envoy-auth-failure-mode-allowed';
const NO_EXTENSIONS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Headers an authorization server may not set: they describe the message framing or the
 * connection, which the proxy owns (a changed content-length would corrupt the body).
 */
const PROTECTED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'http2-settings']);

/** Applies header changes from the authorization server to a header map, Envoy's HeaderValueOption way. */
export function applyHeaderChanges(headers: HeaderMap, changes: readonly HeaderChange[]): void {
  // Several values for one overwritten name in one answer all survive: the first replaces, the rest append.
  let replaced: Set<string> | undefined;
  for (const { name, value, action } of changes) {
    if (name.startsWith(':') || PROTECTED.has(name)) continue;
    const present = headers[name] !== undefined;
    switch (action) {
      case 'append':
        appendHeader(headers, name, value);
        break;
      case 'add-if-absent':
        if (!present) headers[name] = value;
        break;
      case 'overwrite-if-exists':
      case 'overwrite':
        if (action === 'overwrite-if-exists' && !present && !replaced?.has(name)) break;
        if (replaced?.has(name)) appendHeader(headers, name, value);
        else {
          headers[name] = value;
          (replaced ??= new Set()).add(name);
        }
        break;
    }
  }
}

function mergePerRoute(less: ExtAuthzPerRoute | undefined, more: ExtAuthzPerRoute | undefined): ExtAuthzPerRoute | undefined {
  if (!less || !more || more.disabled) return more ?? less;
  if (less.disabled) return more;
  return {
    disabled: false,
    contextExtensions: { ...less.contextExtensions, ...more.contextExtensions },
    disableRequestBodyBuffering: more.disableRequestBodyBuffering || (!more.withRequestBody && less.disableRequestBodyBuffering),
    withRequestBody: more.withRequestBody ?? (more.disableRequestBodyBuffering ? undefined : less.withRequestBody),
  };
}

function setQuery(path: string, set: readonly (readonly [string, string])[] | undefined, remove: readonly string[] | undefined): string {
  const q = path.indexOf('?');
  const base = q < 0 ? path : path.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
  for (const name of remove ?? []) params.delete(name);
  for (const [k, v] of set ?? []) params.set(k, v);
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

/** The route target cluster, for Envoy's `cluster.<name>.ext_authz.*` stats. */
function targetCluster(route: RouteSelection | undefined): string | undefined {
  const action = route?.route.route.action;
  return action?.kind === 'route' ? action.clusters[0]?.name : undefined;
}

/**
 * Envoy's external authorization filter (`envoy.filters.http.ext_authz`): asks an HTTP or gRPC
 * authorization server about each request it is enabled for, then lets the request continue
 * (with the server's header changes), answers with the server's denial, or — when the server
 * cannot be asked — fails closed with `status_on_error` (403) or open with `failure_mode_allow`.
 * istiod gates it with `filter_enabled_metadata` on the CUSTOM policies' shadow RBAC result, so
 * requests no CUSTOM policy selects pass with one metadata lookup.
 */
export function createExtAuthzFilter(config: ExtAuthzConfig, name: string, deps: FilterDeps): HttpFilter {
  const stats = deps.envoyStats ?? new EnvoyNamedCounters();
  let warnedNoH2 = false;
  const speaksH2 = (cluster: string): boolean => {
    const c = deps.snapshots.current.clusters.get(cluster);
    // An unknown cluster fails in the upstream layer with its own reason (NC).
    const ok = c === undefined || c.http2 || c.useDownstreamProtocol;
    if (!ok && !warnedNoH2) {
      warnedNoH2 = true;
      deps.logger.warn({ cluster, filter: name }, 'ext_authz gRPC service cluster is not configured for HTTP/2; checks fail (give the service port a grpc/http2 protocol)');
    }
    return ok;
  };
  const client: CheckClient =
    config.service.kind === 'http' ? createHttpCheckClient(config.service, config, deps.upstream) : createGrpcCheckClient(config.service, config, deps.upstream, speaksH2);
  const perRoute = perRouteCache<ExtAuthzPerRoute>((raw) => {
    const entry = readPerRouteEntry(raw);
    if (!entry) return undefined;
    if (entry.disabled) return { disabled: true };
    const parsed = parseExtAuthzPerRoute(entry.config);
    // The xds-client validated it; if it still does not parse, the filter's own config applies.
    return parsed.ok ? parsed.config : undefined;
  });
  const httpScopes = new Map<string, ExtAuthzCounters>();
  const clusterScopes = new Map<string, ExtAuthzCounters>();
  const count = (ctx: HttpFilterContext, key: keyof ExtAuthzCounters): void => {
    const prefix = ctx.hcm.statPrefix;
    let h = httpScopes.get(prefix);
    if (!h) httpScopes.set(prefix, (h = extAuthzCounters(stats, `http.${prefix}.`, config.statPrefix)));
    h[key].inc();
    const cluster = targetCluster(ctx.route);
    if (cluster === undefined) return;
    let c = clusterScopes.get(cluster);
    if (!c) clusterScopes.set(cluster, (c = extAuthzCounters(stats, `cluster.${cluster}.`, config.statPrefix)));
    c[key].inc();
  };

  const disabledOutcome = (ctx: HttpFilterContext): FilterOutcome => {
    count(ctx, 'disabled');
    if (!config.denyAtDisable) return 'continue';
    return { reply: { status: 403, body: '', flag: 'UAEX', details: 'ext_authz_denied' } };
  };

  const routeSettings = (ctx: HttpFilterContext): ExtAuthzPerRoute | undefined => {
    const vh = ctx.virtualHost?.perFilterConfig?.[name];
    const rt = ctx.route?.route.route.perFilterConfig?.[name];
    if (vh === undefined && rt === undefined) return undefined;
    return mergePerRoute(vh === undefined ? undefined : perRoute(vh), rt === undefined ? undefined : perRoute(rt));
  };

  const applyOk = (ctx: HttpFilterContext, ok: CheckOk): void => {
    let changed = false;
    if (ok.requestHeaders.length > 0) {
      applyHeaderChanges(ctx.headers, ok.requestHeaders);
      changed = true;
    }
    for (const h of ok.removeRequestHeaders) {
      if (ctx.headers[h] === undefined || PROTECTED.has(h)) continue;
      delete ctx.headers[h];
      changed = true;
    }
    if ((ok.querySet?.length ?? 0) > 0 || (ok.queryRemove?.length ?? 0) > 0) {
      const next = setQuery(ctx.record.path, ok.querySet, ok.queryRemove);
      if (next !== ctx.record.path) {
        (ctx.record as { path: string }).path = next;
        changed = true;
      }
    }
    if (ok.responseHeaders.length > 0) {
      const changes = ok.responseHeaders;
      ctx.exchange.addEncodeHook((_status, headers) => applyHeaderChanges(headers, changes));
    }
    // Envoy's clearRouteCache: later filters and the router see the route chosen for the changed request.
    if (config.clearRouteCache && changed) ctx.clearRouteCache();
  };

  const writeMetadata = (ctx: HttpFilterContext, md: Record<string, unknown> | undefined): void => {
    if (!md || !config.ingestDynamicMetadata || Object.keys(md).length === 0) return;
    const all = (ctx.dynamicMetadata ??= {});
    all[EXT_AUTHZ_METADATA_NAMESPACE] = { ...all[EXT_AUTHZ_METADATA_NAMESPACE], ...md };
  };

  return {
    name,
    async decodeHeaders(ctx): Promise<FilterOutcome> {
      const settings = routeSettings(ctx);
      if (settings?.disabled) return 'continue';
      if (config.filterEnabledMetadata && !config.filterEnabledMetadata(ctx.dynamicMetadata)) return disabledOutcome(ctx);
      if (config.filterEnabledFraction !== undefined && !(config.filterEnabledFraction >= 1 || Math.random() < config.filterEnabledFraction)) return disabledOutcome(ctx);

      let body: CheckInput['body'];
      const bodySettings: BufferSettings | undefined = settings?.withRequestBody ?? (settings?.disableRequestBodyBuffering ? undefined : config.withRequestBody);
      if (bodySettings && requestHasBody(ctx.exchange, ctx.headers, ctx.record.protocol)) {
        const buffered = await bufferRequestBody(ctx.exchange, bodySettings);
        if (buffered === 'gone') return 'continue';
        if (buffered === 'too-large') return { reply: { status: 413, body: 'Payload Too Large', details: 'request_payload_too_large' } };
        body = { ...buffered, packAsBytes: bodySettings.packAsBytes };
      } else if (bodySettings) {
        body = { bytes: Buffer.alloc(0), partial: false, packAsBytes: bodySettings.packAsBytes };
      }

      const conn = ctx.connection;
      // Read lazily by the TLS layer: only the facts asked for are computed.
      const certs = conn.peerCertificates;
      let metadataContext: Record<string, Record<string, unknown>> | undefined;
      if (config.metadataContextNamespaces.length > 0 && ctx.dynamicMetadata) {
        for (const ns of config.metadataContextNamespaces) {
          const value = ctx.dynamicMetadata[ns];
          if (value !== undefined) (metadataContext ??= {})[ns] = value;
        }
      }
      const input: CheckInput = {
        method: ctx.record.method,
        path: ctx.record.path,
        authority: ctx.record.authority,
        scheme: ctx.exchange.scheme,
        protocol: ctx.record.protocol,
        headers: ctx.headers,
        requestId: getHeader(ctx.headers, 'x-request-id'),
        body,
        source: {
          address: conn.remoteAddress,
          port: conn.remotePort,
          principal: conn.peerPrincipal,
          certificate: config.includePeerCertificate && certs?.peerPem ? encodeURIComponent(certs.peerPem) : undefined,
        },
        destination: { address: conn.originalDestination.address, port: conn.originalDestination.port, principal: certs?.localUriSans[0] },
        sni: config.includeTlsSession ? conn.serverName : undefined,
        contextExtensions: settings && !settings.disabled ? settings.contextExtensions : NO_EXTENSIONS,
        metadataContext,
        signal: ctx.exchange.downstreamGone,
        pick: { downstreamAddress: conn.remoteAddress },
      };

      const result = await client.check(input);
      if (ctx.exchange.done) return 'continue';
      switch (result.kind) {
        case 'ok':
          count(ctx, 'ok');
          writeMetadata(ctx, result.dynamicMetadata);
          applyOk(ctx, result);
          return 'continue';
        case 'denied': {
          count(ctx, 'denied');
          writeMetadata(ctx, result.dynamicMetadata);
          const headers: HeaderMap = {};
          applyHeaderChanges(headers, result.headers);
          return { reply: { status: result.status, body: result.body, flag: 'UAEX', details: 'ext_authz_denied' }, headers };
        }
        case 'error':
          count(ctx, 'error');
          ctx.log.debug({ reason: result.reason, filter: name }, 'ext_authz check failed');
          if (config.failureModeAllow) {
            count(ctx, 'failure_mode_allowed');
            if (config.failureModeAllowHeaderAdd) ctx.headers[FAILURE_MODE_HEADER] = 'true';
            return 'continue';
          }
          return { reply: { status: config.statusOnError, body: '', flag: 'UAEX', details: 'ext_authz_error' } };
      }
    },
  };
}
