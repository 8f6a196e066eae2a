import { compileMetadataMatcherInto, type MetadataPredicate } from '../../matchers/metadata-matcher.js';
import { proxyProtoRootWith } from '../../xds-client/proto-root.js';
import type { ConfigParseResult } from '../filter-api.js';
import { durationMs, field, fraction, isObject, toBool, toNumber, toStr } from '../proto-values.js';
import { compileHeaderNameList, type HeaderNamePredicate } from './header-name-list.js';

/** Type URL of the ext_authz filter config. */
export const EXT_AUTHZ_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
/** Type URL of its per-route config. */
export const EXT_AUTHZ_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';

/** Envoy's default for both services when no timeout is configured. */
const DEFAULT_TIMEOUT_MS = 200;

/** `BufferSettings`: the request body goes into the check, up to `maxRequestBytes`. */
export interface BufferSettings {
  readonly maxRequestBytes: number;
  /** Send what fits instead of answering 413 when the body is larger. */
  readonly allowPartialMessage: boolean;
  /** gRPC only: `raw_body` bytes instead of the UTF-8 `body` string. */
  readonly packAsBytes: boolean;
}

/** An authorization server over plain HTTP (`http_service`). */
export interface HttpAuthzService {
  readonly kind: 'http';
  readonly cluster: string;
  readonly timeoutMs: number;
  readonly pathPrefix: string;
  /** `authorization_request.headers_to_add`: set on the check request, overriding the client's. */
  readonly headersToAdd: readonly (readonly [string, string])[];
  /** Deprecated `authorization_request.allowed_headers`, merged with the top-level list. */
  readonly requestAllowedHeaders?: HeaderNamePredicate;
  readonly allowedUpstreamHeaders?: HeaderNamePredicate;
  readonly allowedUpstreamHeadersToAppend?: HeaderNamePredicate;
  readonly allowedClientHeaders?: HeaderNamePredicate;
  readonly allowedClientHeadersOnSuccess?: HeaderNamePredicate;
  readonly dynamicMetadataFromHeaders?: HeaderNamePredicate;
}

/** An authorization server speaking `envoy.service.auth.v3.Authorization` (`grpc_service.envoy_grpc`). */
export interface GrpcAuthzService {
  readonly kind: 'grpc';
  readonly cluster: string;
  /** `:authority` of the call; Envoy's default is the cluster name. */
  readonly authority: string;
  readonly timeoutMs: number;
  /** `grpc_service.initial_metadata`, sent as request headers of the call. */
  readonly initialMetadata: readonly (readonly [string, string])[];
}

/** `envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`, the parts Plexus implements. */
export interface ExtAuthzConfig {
  readonly service: HttpAuthzService | GrpcAuthzService;
  readonly failureModeAllow: boolean;
  readonly failureModeAllowHeaderAdd: boolean;
  /** Status of the local reply when the check fails (default 403). */
  readonly statusOnError: number;
  readonly withRequestBody?: BufferSettings;
  readonly clearRouteCache: boolean;
  /** The filter runs only when this matches the dynamic metadata (istiod's CUSTOM gate). */
  readonly filterEnabledMetadata?: MetadataPredicate;
  /** `filter_enabled.default_value` as a share 0..1; undefined: every request. */
  readonly filterEnabledFraction?: number;
  /** `deny_at_disable.default_value`: a request the filter is disabled for gets 403. */
  readonly denyAtDisable: boolean;
  readonly includePeerCertificate: boolean;
  readonly includeTlsSession: boolean;
  /** Dynamic metadata namespaces copied into `metadata_context` (gRPC only, as in Envoy). */
  readonly metadataContextNamespaces: readonly string[];
  readonly allowedHeaders?: HeaderNamePredicate;
  readonly disallowedHeaders?: HeaderNamePredicate;
  /** Envoy's `stat_prefix`: stats become `ext_authz.<prefix>.ok`, ... */
  readonly statPrefix: string;
  /** Whether `dynamic_metadata` in a CheckResponse is written to the request's metadata. */
  readonly ingestDynamicMetadata: boolean;
}

/** `ExtAuthzPerRoute` after parsing. */
export type ExtAuthzPerRoute =
  | { readonly disabled: true }
  | {
      readonly disabled: false;
      readonly contextExtensions: Readonly<Record<string, string>>;
      readonly disableRequestBodyBuffering: boolean;
      readonly withRequestBody?: BufferSettings;
    };

/** Fields Plexus does not implement: refused when set to anything but their default. */
const UNSUPPORTED_TOP_LEVEL: readonly { readonly name: string; readonly isDefault: (v: unknown) => boolean }[] = [
  { name: 'validate_mutations', isDefault: (v) => v === false },
  { name: 'typed_metadata_context_namespaces', isDefault: isEmptyList },
  { name: 'route_metadata_context_namespaces', isDefault: isEmptyList },
  { name: 'route_typed_metadata_context_namespaces', isDefault: isEmptyList },
  { name: 'bootstrap_metadata_labels_key', isDefault: (v) => v === '' },
  { name: 'encode_raw_headers', isDefault: (v) => v === false },
  { name: 'decoder_header_mutation_rules', isDefault: () => false },
  { name: 'charge_cluster_response_stats', isDefault: (v) => toBool(v) === true },
];

function isEmptyList(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function boolField(raw: unknown, name: string, at: string, errors: string[]): boolean {
  const v = field(raw, camel(name));
  if (v === undefined || v === null) return false;
  const b = toBool(v);
  if (b === undefined) {
    errors.push(`${at}.${name}: must be a boolean`);
    return false;
  }
  return b;
}

function headerValues(raw: unknown, at: string, errors: string[]): [string, string][] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors.push(`${at}: must be a list of HeaderValue`);
    return [];
  }
  const out: [string, string][] = [];
  raw.forEach((h, i) => {
    const key = toStr(field(h, 'key'));
    if (!key) {
      errors.push(`${at}[${i}].key: is required`);
      return;
    }
    if (key.startsWith(':') || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(key)) {
      errors.push(`${at}[${i}].key: ${JSON.stringify(key)} is not a header name Plexus can send`);
      return;
    }
    let value = toStr(field(h, 'value'));
    const rawValue = field(h, 'rawValue');
    if (value === undefined && typeof rawValue === 'string') value = Buffer.from(rawValue, 'base64').toString('latin1');
    out.push([key.toLowerCase(), value ?? '']);
  });
  return out;
}

/** `BufferSettings`; every problem under `at`. */
export function parseBufferSettings(raw: unknown, at: string, errors: string[]): BufferSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    errors.push(`${at}: must be a BufferSettings`);
    return undefined;
  }
  const max = toNumber(field(raw, 'maxRequestBytes'));
  if (max === undefined || !Number.isInteger(max) || max <= 0) {
    errors.push(`${at}.max_request_bytes: must be an integer > 0`);
    return undefined;
  }
  return {
    maxRequestBytes: max,
    allowPartialMessage: boolField(raw, 'allow_partial_message', at, errors),
    packAsBytes: boolField(raw, 'pack_as_bytes', at, errors),
  };
}

function timeoutOf(raw: unknown, at: string, errors: string[]): number {
  if (raw === undefined || raw === null) return DEFAULT_TIMEOUT_MS;
  const ms = durationMs(raw);
  if (ms === undefined || ms < 0) {
    errors.push(`${at}: must be a non-negative duration`);
    return DEFAULT_TIMEOUT_MS;
  }
  return ms;
}

function parseHttpService(raw: unknown, errors: string[]): HttpAuthzService | undefined {
  const at = 'http_service';
  if (!isObject(raw)) {
    errors.push(`${at}: must be an HttpService`);
    return undefined;
  }
  const uri = field(raw, 'serverUri');
  if (!isObject(uri)) {
    errors.push(`${at}.server_uri: is required`);
    return undefined;
  }
  const cluster = toStr(field(uri, 'cluster'));
  if (!cluster) errors.push(`${at}.server_uri.cluster: is required (the authorization server is reached through a cluster)`);
  if (!toStr(field(uri, 'uri'))) errors.push(`${at}.server_uri.uri: is required`);
  const timeoutMs = timeoutOf(field(uri, 'timeout'), `${at}.server_uri.timeout`, errors);
  const pathPrefix = toStr(field(raw, 'pathPrefix')) ?? '';
  if (pathPrefix !== '' && !pathPrefix.startsWith('/')) errors.push(`${at}.path_prefix: must start with "/", found ${JSON.stringify(pathPrefix)}`);
  for (const name of ['path_override', 'method_override', 'retry_policy']) {
    if (field(raw, camel(name)) !== undefined) errors.push(`${at}.${name}: is not supported by Plexus`);
  }
  const req = field(raw, 'authorizationRequest');
  const res = field(raw, 'authorizationResponse');
  const list = (parent: unknown, name: string, where: string) => compileHeaderNameList(field(parent, camel(name)), `${where}.${name}`, errors);
  const service: HttpAuthzService = {
    kind: 'http',
    cluster: cluster ?? '',
    timeoutMs,
    pathPrefix,
    headersToAdd: headerValues(field(req, 'headersToAdd'), `${at}.authorization_request.headers_to_add`, errors),
    requestAllowedHeaders: list(req, 'allowed_headers', `${at}.authorization_request`),
    allowedUpstreamHeaders: list(res, 'allowed_upstream_headers', `${at}.authorization_response`),
    allowedUpstreamHeadersToAppend: list(res, 'allowed_upstream_headers_to_append', `${at}.authorization_response`),
    allowedClientHeaders: list(res, 'allowed_client_headers', `${at}.authorization_response`),
    allowedClientHeadersOnSuccess: list(res, 'allowed_client_headers_on_success', `${at}.authorization_response`),
    dynamicMetadataFromHeaders: list(res, 'dynamic_metadata_from_headers', `${at}.authorization_response`),
  };
  return service;
}

function parseGrpcService(raw: unknown, errors: string[]): GrpcAuthzService | undefined {
  const at = 'grpc_service';
  if (!isObject(raw)) {
    errors.push(`${at}: must be a GrpcService`);
    return undefined;
  }
  if (field(raw, 'googleGrpc') !== undefined) {
    errors.push(`${at}.google_grpc: is not supported by Plexus; use envoy_grpc with a cluster`);
    return undefined;
  }
  const envoy = field(raw, 'envoyGrpc');
  if (!isObject(envoy)) {
    errors.push(`${at}.envoy_grpc: is required`);
    return undefined;
  }
  const cluster = toStr(field(envoy, 'clusterName'));
  if (!cluster) errors.push(`${at}.envoy_grpc.cluster_name: is required`);
  if (field(envoy, 'retryPolicy') !== undefined) errors.push(`${at}.envoy_grpc.retry_policy: is not supported by Plexus`);
  if (field(envoy, 'skipEnvoyHeaders') === true) errors.push(`${at}.envoy_grpc.skip_envoy_headers: is not supported by Plexus`);
  const maxRecv = field(envoy, 'maxReceiveMessageLength');
  if (maxRecv !== undefined && maxRecv !== null) errors.push(`${at}.envoy_grpc.max_receive_message_length: is not supported by Plexus`);
  if (field(raw, 'retryPolicy') !== undefined) errors.push(`${at}.retry_policy: is not supported by Plexus`);
  const authority = toStr(field(envoy, 'authority')) || cluster || '';
  return {
    kind: 'grpc',
    cluster: cluster ?? '',
    authority,
    timeoutMs: timeoutOf(field(raw, 'timeout'), `${at}.timeout`, errors),
    initialMetadata: headerValues(field(raw, 'initialMetadata'), `${at}.initial_metadata`, errors),
  };
}

/** `type.v3.StatusCode`: a number, or its enum name as decoded protos carry it (`Forbidden`). */
function statusCode(v: unknown): number | undefined {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const values = proxyProtoRootWith('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz').lookupEnum('envoy.type.v3.StatusCode').values;
    return values[v];
  }
  return toNumber(v);
}

function stringList(raw: unknown, at: string, errors: string[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) {
    errors.push(`${at}: must be a list of strings`);
    return [];
  }
  return raw as string[];
}

/** Parses an ExtAuthz message; returns every reason it is invalid, each with its field path. */
export function parseExtAuthzConfig(raw: unknown): ConfigParseResult<ExtAuthzConfig> {
  const errors: string[] = [];
  if (!isObject(raw)) return { ok: false, errors: ['ext_authz config must be an object'] };

  const http = field(raw, 'httpService');
  const grpc = field(raw, 'grpcService');
  let service: HttpAuthzService | GrpcAuthzService | undefined;
  if (http !== undefined && grpc !== undefined) errors.push('services: only one of grpc_service, http_service may be set');
  else if (http !== undefined) service = parseHttpService(http, errors);
  else if (grpc !== undefined) service = parseGrpcService(grpc, errors);
  else errors.push('services: one of grpc_service, http_service is required');

  const api = field(raw, 'transportApiVersion');
  if (api !== undefined && api !== null && api !== 'AUTO' && api !== 'V3' && api !== 0 && api !== 2) {
    errors.push(`transport_api_version: ${String(api)} is not supported; only V3`);
  }

  let statusOnError = 403;
  const status = field(raw, 'statusOnError');
  if (status !== undefined && status !== null) {
    const code = statusCode(field(status, 'code'));
    // HttpStatus.code Empty (0) means "unset" in Envoy, which keeps the 403 default.
    if (code === undefined || !Number.isInteger(code) || (code !== 0 && (code < 100 || code > 599))) errors.push(`status_on_error.code: ${JSON.stringify(field(status, 'code'))} is not an HTTP status`);
    else if (code !== 0) statusOnError = code;
  }

  let filterEnabledMetadata: MetadataPredicate | undefined;
  const fem = field(raw, 'filterEnabledMetadata');
  if (fem !== undefined && fem !== null) filterEnabledMetadata = compileMetadataMatcherInto(fem, 'filter_enabled_metadata', errors);

  let filterEnabledFraction: number | undefined;
  const fe = field(raw, 'filterEnabled');
  if (fe !== undefined && fe !== null) {
    if (!isObject(field(fe, 'defaultValue'))) errors.push('filter_enabled.default_value: is required');
    else filterEnabledFraction = fraction(field(fe, 'defaultValue'), 1);
  }
  let denyAtDisable = false;
  const dad = field(raw, 'denyAtDisable');
  if (dad !== undefined && dad !== null) {
    const v = toBool(field(dad, 'defaultValue'));
    if (v === undefined) errors.push('deny_at_disable.default_value: is required');
    else denyAtDisable = v;
  }

  for (const { name, isDefault } of UNSUPPORTED_TOP_LEVEL) {
    const v = field(raw, camel(name));
    if (v !== undefined && v !== null && !isDefault(v)) errors.push(`${name}: is not supported by Plexus`);
  }

  const dynamicIngest = field(raw, 'enableDynamicMetadataIngestion');
  const config: ExtAuthzConfig | undefined = service && {
    service,
    failureModeAllow: boolField(raw, 'failure_mode_allow', 'ext_authz', errors),
    failureModeAllowHeaderAdd: boolField(raw, 'failure_mode_allow_header_add', 'ext_authz', errors),
    statusOnError,
    withRequestBody: parseBufferSettings(field(raw, 'withRequestBody'), 'with_request_body', errors),
    clearRouteCache: boolField(raw, 'clear_route_cache', 'ext_authz', errors),
    filterEnabledMetadata,
    filterEnabledFraction,
    denyAtDisable,
    includePeerCertificate: boolField(raw, 'include_peer_certificate', 'ext_authz', errors),
    includeTlsSession: boolField(raw, 'include_tls_session', 'ext_authz', errors),
    metadataContextNamespaces: stringList(field(raw, 'metadataContextNamespaces'), 'metadata_context_namespaces', errors),
    allowedHeaders: compileHeaderNameList(field(raw, 'allowedHeaders'), 'allowed_headers', errors),
    disallowedHeaders: compileHeaderNameList(field(raw, 'disallowedHeaders'), 'disallowed_headers', errors),
    statPrefix: toStr(field(raw, 'statPrefix')) ?? '',
    ingestDynamicMetadata: dynamicIngest === undefined || dynamicIngest === null ? true : toBool(dynamicIngest) !== false,
  };
  if (errors.length > 0 || !config) return { ok: false, errors: errors.length > 0 ? errors : ['ext_authz: no authorization service'] };
  return { ok: true, config };
}

/** Parses an ExtAuthzPerRoute message (the FilterConfig wrapper already removed). */
export function parseExtAuthzPerRoute(raw: unknown): ConfigParseResult<ExtAuthzPerRoute> {
  const errors: string[] = [];
  if (!isObject(raw)) return { ok: false, errors: ['ExtAuthzPerRoute must be an object'] };
  const disabled = field(raw, 'disabled');
  const settings = field(raw, 'checkSettings');
  if (disabled !== undefined && settings !== undefined) return { ok: false, errors: ['override: only one of disabled, check_settings may be set'] };
  if (disabled !== undefined) {
    if (toBool(disabled) !== true) return { ok: false, errors: ['disabled: must be true when set'] };
    return { ok: true, config: { disabled: true } };
  }
  if (!isObject(settings)) return { ok: false, errors: ['override: one of disabled, check_settings is required'] };
  const ext = field(settings, 'contextExtensions');
  const contextExtensions: Record<string, string> = {};
  if (ext !== undefined && ext !== null) {
    if (!isObject(ext)) errors.push('check_settings.context_extensions: must be a map of strings');
    else
      for (const [k, v] of Object.entries(ext)) {
        if (typeof v !== 'string') errors.push(`check_settings.context_extensions.${k}: must be a string`);
        else contextExtensions[k] = v;
      }
  }
  const disableRequestBodyBuffering = boolField(settings, 'disable_request_body_buffering', 'check_settings', errors);
  const withRequestBody = parseBufferSettings(field(settings, 'withRequestBody'), 'check_settings.with_request_body', errors);
  if (disableRequestBodyBuffering && withRequestBody) errors.push('check_settings: only one of disable_request_body_buffering, with_request_body may be set');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { disabled: false, contextExtensions, disableRequestBodyBuffering, withRequestBody } };
}
