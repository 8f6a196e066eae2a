import type { HttpConnectionManagerConfig, HttpFilterConfig } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { durationMs, list, num, obj, str, wrapped, wrappedBool } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { translateRouteConfiguration } from './translate-route.js';

const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const CODECS: ReadonlySet<string> = new Set(['AUTO', 'HTTP1', 'HTTP2']);

/** Envoy's defaults where the HCM leaves a field unset. */
const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/** The decoded config without its `@type`: what a filter's own parser reads. */
function configBody(typed: ProtoJson): ProtoJson {
  const { '@type': _type, ...body } = typed;
  return body;
}

function httpFilters(v: unknown, at: FieldPath): HttpFilterConfig[] {
  const out: HttpFilterConfig[] = [];
  const items = list(v);
  items.forEach((f, i) => {
    const p = at.at('', i);
    const name = str(f.name) ?? p.at('name').fail('filter name is required');
    if (f.config_discovery !== undefined) p.at('config_discovery').fail('filter config discovery (ECDS) is not supported');
    const typed = obj(f.typed_config) ?? p.at('typed_config').fail('typed_config is required');
    const typeUrl = typeof typed['@type'] === 'string' ? typed['@type'] : undefined;
    if (!typeUrl) {
      // Optional filters the proxy does not know are skipped; others reject the listener.
      if (f.is_optional === true) return;
      return p.at('typed_config').fail(`unknown HTTP filter type ${String(typed.type_url ?? '')}`);
    }
    if (f.disabled === true) return;
    out.push({ name, typeUrl, config: configBody(typed) });
  });
  const routers = out.map((f, i) => (f.typeUrl === ROUTER_TYPE ? i : -1)).filter((i) => i >= 0);
  if (routers.length !== 1 || routers[0] !== out.length - 1) at.fail('the router filter must be present once, as the last filter');
  return out;
}

/**
 * `HttpConnectionManager` → model: RDS name or inline routes, HTTP filters with their decoded
 * configs (parsed later by each filter's own config.ts), and connection-level settings.
 */
export function translateHttpConnectionManager(h: ProtoJson, at: FieldPath, ctx: TranslateContext): HttpConnectionManagerConfig {
  const statPrefix = str(h.stat_prefix) ?? at.at('stat_prefix').fail('stat_prefix is required');
  const codec = String(h.codec_type ?? 'AUTO');
  if (!CODECS.has(codec)) at.at('codec_type').fail(`codec ${codec} is not supported`);
  const out: { -readonly [K in keyof HttpConnectionManagerConfig]: HttpConnectionManagerConfig[K] } = {
    kind: 'http_connection_manager',
    statPrefix,
    httpFilters: httpFilters(h.http_filters, at.at('http_filters')),
    codec: codec as HttpConnectionManagerConfig['codec'],
    useRemoteAddress: wrappedBool(h.use_remote_address) ?? false,
    xffNumTrustedHops: num(h.xff_num_trusted_hops) ?? 0,
    generateRequestId: wrappedBool(h.generate_request_id) ?? true,
    maxRequestHeadersKb: wrapped(h.max_request_headers_kb) ?? DEFAULT_MAX_REQUEST_HEADERS_KB,
    upgradeTypes: list(h.upgrade_configs).filter((u) => wrappedBool(u.enabled) !== false).map((u) => String(u.upgrade_type ?? '').toLowerCase()).filter(Boolean),
  };
  const rds = obj(h.rds);
  const inline = obj(h.route_config);
  if (rds) out.rdsName = str(rds.route_config_name) ?? at.at('rds').at('route_config_name').fail('route_config_name is required');
  else if (inline) out.routeConfig = translateRouteConfiguration(inline, at.at('route_config'), ctx);
  else if (h.scoped_routes !== undefined) at.at('scoped_routes').fail('scoped routes are not supported');
  else at.fail('one of rds, route_config is required');
  out.streamIdleTimeoutMs = durationMs(h.stream_idle_timeout, at.at('stream_idle_timeout')) ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  const requestTimeout = durationMs(h.request_timeout, at.at('request_timeout'));
  if (requestTimeout !== undefined) out.requestTimeoutMs = requestTimeout;
  const headersTimeout = durationMs(h.request_headers_timeout, at.at('request_headers_timeout'));
  if (headersTimeout !== undefined) out.requestHeadersTimeoutMs = headersTimeout;
  if (h.forward_client_cert_details !== undefined) out.forwardClientCertDetails = String(h.forward_client_cert_details);
  const serverName = str(h.server_name);
  if (serverName) out.serverName = serverName;
  return out;
}
