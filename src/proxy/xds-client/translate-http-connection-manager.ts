import type { ClientCertDetailsSelection, HttpConnectionManagerConfig, HttpFilterConfig } from '../config/model.js';
import { normalizationEnabled, type EscapedSlashesAction, type PathNormalization } from '../http/path-normalization.js';
import { findHttpFilter } from '../filters/registry.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { durationMs, list, num, obj, str, wrapped, wrappedBool } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { translateRouteConfiguration } from './translate-route.js';

const CODECS: ReadonlySet<string> = new Set(['AUTO', 'HTTP1', 'HTTP2']);

/** Envoy's defaults where the HCM leaves a field unset. */
const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/** The decoded config without its `@type`: what a filter's own parser reads. */
function configBody(typed: ProtoJson): ProtoJson {
  const { '@type': _type, ...body } = typed;
  return body;
}

/**
 * `http_filters`, each checked with the filter registry: a type no filter implements rejects
 * the listener (unless `is_optional`, which Envoy skips), and so does a config the filter's own
 * parser refuses, with every reason. The proxy never acknowledges a filter it cannot run.
 */
function httpFilters(v: unknown, at: FieldPath): HttpFilterConfig[] {
  const out: HttpFilterConfig[] = [];
  const terminal: boolean[] = [];
  const items = list(v);
  items.forEach((f, i) => {
    const p = at.at('', i);
    const name = str(f.name) ?? p.at('name').fail('filter name is required');
    if (f.config_discovery !== undefined) p.at('config_discovery').fail('filter config discovery (ECDS) is not supported');
    const typed = obj(f.typed_config) ?? p.at('typed_config').fail('typed_config is required');
    const typeUrl = typeof typed['@type'] === 'string' ? typed['@type'] : String(typed.type_url ?? '');
    const def = findHttpFilter(typeUrl);
    if (!def) {
      if (f.is_optional === true) return;
      return p.at('typed_config').fail(`unknown HTTP filter type ${typeUrl || '(none)'} for filter ${name} (not is_optional, so it cannot be skipped)`);
    }
    if (f.disabled === true) return p.at('disabled').fail(`filter ${name}: filters disabled by default (enabled per route) are not supported`);
    const config = configBody(typed);
    const parsed = def.parseConfig(config);
    if (!parsed.ok) p.at('typed_config').fail(`invalid ${def.wellKnownName} config for filter ${name}: ${parsed.errors.join('; ')}`);
    out.push({ name, typeUrl, config });
    terminal.push(def.terminal);
  });
  const terminals = terminal.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
  if (terminals.length !== 1 || terminals[0] !== out.length - 1) at.fail('the router filter must be present once, as the last filter');
  return out;
}

const FORWARD_CLIENT_CERT: ReadonlySet<string> = new Set(['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY']);
const ESCAPED_SLASHES: ReadonlySet<string> = new Set(['IMPLEMENTATION_SPECIFIC_DEFAULT', 'KEEP_UNCHANGED', 'REJECT_REQUEST', 'UNESCAPE_AND_REDIRECT', 'UNESCAPE_AND_FORWARD']);
/** Envoy's default `max_headers_count`. */
const DEFAULT_MAX_HEADERS_COUNT = 100;

function forwardClientCert(v: unknown, at: FieldPath): string {
  const mode = String(v);
  if (!FORWARD_CLIENT_CERT.has(mode)) at.fail(`unknown forward_client_cert_details ${mode}`);
  return mode;
}

function clientCertDetails(d: ProtoJson): ClientCertDetailsSelection {
  return { subject: wrappedBool(d.subject) ?? false, cert: d.cert === true, chain: d.chain === true, dns: d.dns === true, uri: d.uri === true };
}

// Envoy's order: escaped slashes, then normalize_path, then merge_slashes; all off by default.
function pathNormalization(h: ProtoJson, at: FieldPath): PathNormalization | undefined {
  const raw = String(h.path_with_escaped_slashes_action ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT');
  if (!ESCAPED_SLASHES.has(raw)) at.at('path_with_escaped_slashes_action').fail(`unknown path_with_escaped_slashes_action ${raw}`);
  if (h.path_normalization_options !== undefined) at.at('path_normalization_options').fail('path normalization extensions are not supported');
  const n: PathNormalization = {
    normalizePath: wrappedBool(h.normalize_path) ?? false,
    mergeSlashes: h.merge_slashes === true,
    escapedSlashesAction: raw === 'IMPLEMENTATION_SPECIFIC_DEFAULT' ? 'KEEP_UNCHANGED' : (raw as EscapedSlashesAction),
  };
  return normalizationEnabled(n) ? n : undefined;
}

function maxHeadersCount(options: ProtoJson | undefined, at: FieldPath): number {
  // Only the header count is honoured downstream; anything else here would be silently ignored.
  for (const key of Object.keys(options ?? {})) if (key !== 'max_headers_count') at.at(key).fail(`${key} is not supported on the downstream side`);
  const count = options ? wrapped(options.max_headers_count) : undefined;
  if (count === undefined) return DEFAULT_MAX_HEADERS_COUNT;
  if (!Number.isInteger(count) || count < 1) at.at('max_headers_count').fail('max_headers_count must be at least 1');
  return count;
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
  if (h.forward_client_cert_details !== undefined) out.forwardClientCertDetails = forwardClientCert(h.forward_client_cert_details, at.at('forward_client_cert_details'));
  const certDetails = obj(h.set_current_client_cert_details);
  if (certDetails) out.setCurrentClientCertDetails = clientCertDetails(certDetails);
  const normalization = pathNormalization(h, at);
  if (normalization) out.pathNormalization = normalization;
  out.maxHeadersCount = maxHeadersCount(obj(h.common_http_protocol_options), at.at('common_http_protocol_options'));
  const serverName = str(h.server_name);
  if (serverName) out.serverName = serverName;
  return out;
}
