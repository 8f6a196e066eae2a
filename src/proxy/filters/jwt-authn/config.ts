import type { HeaderMatcher, RouteMatch } from '../../config/model.js';
import { compileRegex } from '../../router/regex.js';
import { parseHeaderMatcher } from '../fault/config.js';
import type { ConfigParseResult } from '../filter-api.js';
import { field, isObject, toBool, toNumber, toStr } from '../proto-values.js';
import { parseJwks, type ParsedJwks } from './jwks.js';

/** Type URL of the jwt_authn filter config. */
export const JWT_AUTHN_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
/** Type URL of its per-route config. */
export const JWT_AUTHN_PER_ROUTE_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig';
/** Envoy's default clock skew for `exp`/`nbf`, seconds. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;

/** Where a provider looks for tokens in a header (`Authorization: Bearer <jwt>` by default). */
export interface JwtHeaderLocation {
  /** Lower-case header name. */
  readonly name: string;
  readonly valuePrefix: string;
}

/** `JwtProvider`: how tokens of one issuer are found, verified and passed on. */
export interface JwtProviderConfig {
  readonly name: string;
  /** Empty: any issuer. */
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly jwks: ParsedJwks;
  readonly forward: boolean;
  readonly fromHeaders: readonly JwtHeaderLocation[];
  readonly fromParams: readonly string[];
  readonly fromCookies: readonly string[];
  readonly forwardPayloadHeader?: string;
  readonly padForwardPayloadHeader: boolean;
  readonly payloadInMetadata?: string;
  readonly headerInMetadata?: string;
  readonly spaceDelimitedClaims: readonly string[];
  readonly clockSkewSeconds: number;
  readonly claimToHeaders: readonly { readonly headerName: string; readonly claimName: string }[];
  readonly clearRouteCache: boolean;
}

/** `JwtRequirement`, one node of the requirement tree. */
export type JwtRequirement =
  | { readonly kind: 'provider'; readonly provider: string; readonly audiences?: readonly string[] }
  | { readonly kind: 'any'; readonly requirements: readonly JwtRequirement[] }
  | { readonly kind: 'all'; readonly requirements: readonly JwtRequirement[] }
  | { readonly kind: 'allow_missing' }
  | { readonly kind: 'allow_missing_or_failed' }
  | { readonly kind: 'none' };

/** `RequirementRule`: the requirement for requests whose path (and headers) match. */
export interface JwtRule {
  readonly match: RouteMatch;
  readonly requires?: JwtRequirement;
  readonly requirementName?: string;
}

/** `JwtAuthentication` as the proxy runs it. */
export interface JwtAuthnConfig {
  readonly providers: ReadonlyMap<string, JwtProviderConfig>;
  readonly rules: readonly JwtRule[];
  readonly requirementMap: ReadonlyMap<string, JwtRequirement>;
  readonly bypassCorsPreflight: boolean;
  readonly stripFailureResponse: boolean;
  /** Accepted settings the proxy cannot honour fully; logged when the filter is built. */
  readonly warnings: readonly string[];
}

/** `PerRouteConfig`: turn the filter off for a route, or pick a requirement by name. */
export type JwtPerRouteConfig = { readonly disabled: true } | { readonly requirementName: string };

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: unknown, at: string, errors: string[]): string[] {
  const out: string[] = [];
  list(v).forEach((s, i) => {
    const value = toStr(s);
    if (value === undefined) errors.push(`${at}[${i}]: must be a string`);
    else out.push(value);
  });
  return out;
}

function set(raw: unknown, name: string): boolean {
  const v = field(raw, name);
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function parseLocalJwks(raw: unknown, at: string, errors: string[]): string | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: must be a DataSource`);
    return undefined;
  }
  const inline = toStr(field(raw, 'inlineString'));
  if (inline !== undefined) return inline;
  const bytes = field(raw, 'inlineBytes');
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64').toString('utf8');
  if (bytes instanceof Uint8Array) return Buffer.from(bytes).toString('utf8');
  if (set(raw, 'filename')) errors.push(`${at}.filename: JWKS files are not supported; inline the JWKS (inline_string)`);
  else if (set(raw, 'environmentVariable')) errors.push(`${at}.environment_variable: JWKS from environment variables is not supported; inline the JWKS (inline_string)`);
  else errors.push(`${at}: one of inline_string, inline_bytes is required`);
  return undefined;
}

function parseProvider(name: string, raw: unknown, errors: string[]): JwtProviderConfig | undefined {
  const at = `providers[${JSON.stringify(name)}]`;
  if (!isObject(raw)) {
    errors.push(`${at}: must be a JwtProvider`);
    return undefined;
  }
  const before = errors.length;
  // Fields Envoy has and Plexus does not run: refused by name, never silently ignored.
  if (set(raw, 'remoteJwks')) errors.push(`${at}.remote_jwks: remote JWKS fetching by the proxy is not supported; the controller fetches jwksUri and sends local_jwks.inline_string`);
  if (set(raw, 'subjects')) errors.push(`${at}.subjects: subject matching is not supported`);
  if (set(raw, 'requireExpiration')) errors.push(`${at}.require_expiration: not supported`);
  if (set(raw, 'maxLifetime')) errors.push(`${at}.max_lifetime: not supported`);
  if (set(raw, 'failedStatusInMetadata')) errors.push(`${at}.failed_status_in_metadata: not supported`);
  const local = field(raw, 'localJwks');
  let jwksText: string | undefined;
  if (local !== undefined && local !== null) jwksText = parseLocalJwks(local, `${at}.local_jwks`, errors);
  else if (!set(raw, 'remoteJwks')) errors.push(`${at}: one of local_jwks, remote_jwks is required`);

  const fromHeaders: JwtHeaderLocation[] = [];
  list(field(raw, 'fromHeaders')).forEach((h, i) => {
    const hname = toStr(field(h, 'name'));
    if (!hname) errors.push(`${at}.from_headers[${i}].name: required`);
    else if (!HEADER_NAME.test(hname)) errors.push(`${at}.from_headers[${i}].name: ${JSON.stringify(hname)} is not a valid header name`);
    else fromHeaders.push({ name: hname.toLowerCase(), valuePrefix: toStr(field(h, 'valuePrefix')) ?? '' });
  });
  const headerField = (key: string, label: string): string | undefined => {
    const v = toStr(field(raw, key));
    if (v === undefined || v === '') return undefined;
    if (!HEADER_NAME.test(v)) errors.push(`${at}.${label}: ${JSON.stringify(v)} is not a valid header name`);
    return v.toLowerCase();
  };
  const forwardPayloadHeader = headerField('forwardPayloadHeader', 'forward_payload_header');
  const claimToHeaders: { headerName: string; claimName: string }[] = [];
  list(field(raw, 'claimToHeaders')).forEach((c, i) => {
    const headerName = toStr(field(c, 'headerName'));
    const claimName = toStr(field(c, 'claimName'));
    if (!headerName || !HEADER_NAME.test(headerName)) errors.push(`${at}.claim_to_headers[${i}].header_name: ${JSON.stringify(headerName ?? '')} is not a valid header name`);
    if (!claimName) errors.push(`${at}.claim_to_headers[${i}].claim_name: required`);
    if (headerName && claimName && HEADER_NAME.test(headerName)) claimToHeaders.push({ headerName: headerName.toLowerCase(), claimName });
  });
  const skew = toNumber(field(raw, 'clockSkewSeconds'));
  if (skew !== undefined && (skew < 0 || !Number.isInteger(skew))) errors.push(`${at}.clock_skew_seconds: must be a non-negative integer`);
  const clearRouteCache = toBool(field(raw, 'clearRouteCache')) === true;
  const fromParams = strings(field(raw, 'fromParams'), `${at}.from_params`, errors);
  const fromCookies = strings(field(raw, 'fromCookies'), `${at}.from_cookies`, errors);
  const audiences = strings(field(raw, 'audiences'), `${at}.audiences`, errors);
  const spaceDelimitedClaims = strings(field(field(raw, 'normalizePayloadInMetadata'), 'spaceDelimitedClaims'), `${at}.normalize_payload_in_metadata.space_delimited_claims`, errors);
  if (errors.length > before || jwksText === undefined) return undefined;
  const payloadInMetadata = toStr(field(raw, 'payloadInMetadata'));
  const headerInMetadata = toStr(field(raw, 'headerInMetadata'));
  return {
    name,
    issuer: toStr(field(raw, 'issuer')) ?? '',
    audiences,
    jwks: parseJwks(jwksText),
    forward: toBool(field(raw, 'forward')) === true,
    fromHeaders,
    fromParams,
    fromCookies,
    ...(forwardPayloadHeader ? { forwardPayloadHeader } : {}),
    padForwardPayloadHeader: toBool(field(raw, 'padForwardPayloadHeader')) === true,
    ...(payloadInMetadata ? { payloadInMetadata } : {}),
    ...(headerInMetadata ? { headerInMetadata } : {}),
    spaceDelimitedClaims,
    clockSkewSeconds: skew !== undefined && skew > 0 ? skew : DEFAULT_CLOCK_SKEW_SECONDS,
    claimToHeaders,
    clearRouteCache,
  };
}

/** Parses a `JwtRequirement`; every provider it names must exist. */
export function parseRequirement(raw: unknown, at: string, providers: ReadonlySet<string>, errors: string[]): JwtRequirement | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: must be a JwtRequirement`);
    return undefined;
  }
  const providerName = toStr(field(raw, 'providerName'));
  if (providerName !== undefined && providerName !== '') {
    if (!providers.has(providerName)) errors.push(`${at}.provider_name: Required provider ['${providerName}'] is not configured.`);
    return { kind: 'provider', provider: providerName };
  }
  const pa = field(raw, 'providerAndAudiences');
  if (isObject(pa)) {
    const name = toStr(field(pa, 'providerName')) ?? '';
    if (!providers.has(name)) errors.push(`${at}.provider_and_audiences.provider_name: Required provider ['${name}'] is not configured.`);
    return { kind: 'provider', provider: name, audiences: strings(field(pa, 'audiences'), `${at}.provider_and_audiences.audiences`, errors) };
  }
  for (const [key, kind, label] of [['requiresAny', 'any', 'requires_any'], ['requiresAll', 'all', 'requires_all']] as const) {
    const group = field(raw, key);
    if (!isObject(group)) continue;
    const items = list(field(group, 'requirements'));
    if (items.length < 2) errors.push(`${at}.${label}.requirements: at least 2 requirements are required`);
    const requirements = items.map((r, i) => parseRequirement(r, `${at}.${label}.requirements[${i}]`, providers, errors)).filter((r): r is JwtRequirement => r !== undefined);
    return { kind, requirements };
  }
  if (field(raw, 'allowMissingOrFailed') !== undefined && field(raw, 'allowMissingOrFailed') !== null) return { kind: 'allow_missing_or_failed' };
  if (field(raw, 'allowMissing') !== undefined && field(raw, 'allowMissing') !== null) return { kind: 'allow_missing' };
  return { kind: 'none' };
}

function parseMatch(raw: unknown, at: string, errors: string[]): RouteMatch | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: required`);
    return undefined;
  }
  for (const [key, label] of [['queryParameters', 'query_parameters'], ['grpc', 'grpc'], ['runtimeFraction', 'runtime_fraction'], ['tlsContext', 'tls_context'], ['dynamicMetadata', 'dynamic_metadata'], ['connectMatcher', 'connect_matcher'], ['pathMatchPolicy', 'path_match_policy'], ['filterState', 'filter_state'], ['celExpr', 'cel_expr']] as const) {
    if (set(raw, key)) errors.push(`${at}.${label}: not supported in jwt_authn rules`);
  }
  const caseSensitive = toBool(field(raw, 'caseSensitive')) ?? true;
  const headers: HeaderMatcher[] = [];
  list(field(raw, 'headers')).forEach((h, i) => {
    const m = parseHeaderMatcher(h, errors, `${at}.headers[${i}]`);
    if (m) headers.push(m);
  });
  const base = { caseSensitive, headers, queryParameters: [] };
  const prefix = toStr(field(raw, 'prefix'));
  if (prefix !== undefined) return { ...base, path: { kind: 'prefix', value: prefix } };
  const path = toStr(field(raw, 'path'));
  if (path !== undefined) return { ...base, path: { kind: 'path', value: path } };
  const sep = toStr(field(raw, 'pathSeparatedPrefix'));
  if (sep !== undefined) return { ...base, path: { kind: 'path_separated_prefix', value: sep } };
  const regex = toStr(field(field(raw, 'safeRegex'), 'regex'));
  if (regex !== undefined) {
    try {
      compileRegex(regex);
    } catch (err) {
      errors.push(`${at}.safe_regex.regex: ${(err as Error).message}`);
      return undefined;
    }
    return { ...base, path: { kind: 'regex', value: regex } };
  }
  errors.push(`${at}: one of prefix, path, path_separated_prefix, safe_regex is required`);
  return undefined;
}

// The registry parses a config once to validate and once to build: keep the result per object.
const parsedConfigs = new WeakMap<object, ConfigParseResult<JwtAuthnConfig>>();

/** Parses `JwtAuthentication`; every reason it cannot be served, with its field path. */
export function parseJwtAuthnConfig(raw: unknown): ConfigParseResult<JwtAuthnConfig> {
  if (!isObject(raw)) return { ok: false, errors: ['jwt_authn config must be an object'] };
  const cached = parsedConfigs.get(raw);
  if (cached) return cached;
  const result = parseUncached(raw);
  parsedConfigs.set(raw, result);
  return result;
}

function parseUncached(raw: Record<string, unknown>): ConfigParseResult<JwtAuthnConfig> {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (set(raw, 'filterStateRules')) errors.push('filter_state_rules: not supported');
  const providers = new Map<string, JwtProviderConfig>();
  const rawProviders = field(raw, 'providers');
  if (rawProviders !== undefined && !isObject(rawProviders)) errors.push('providers: must be a map of name to JwtProvider');
  const names = new Set(isObject(rawProviders) ? Object.keys(rawProviders) : []);
  // Sorted: Envoy's map has no order; a stable one keeps issuer lookups deterministic.
  for (const name of [...names].sort()) {
    const p = parseProvider(name, (rawProviders as Record<string, unknown>)[name], errors);
    if (p) providers.set(name, p);
  }
  const requirementMap = new Map<string, JwtRequirement>();
  const rawMap = field(raw, 'requirementMap');
  if (isObject(rawMap)) {
    for (const [name, r] of Object.entries(rawMap)) {
      const req = parseRequirement(r, `requirement_map[${JSON.stringify(name)}]`, names, errors);
      if (req) requirementMap.set(name, req);
    }
  }
  const rules: JwtRule[] = [];
  list(field(raw, 'rules')).forEach((r, i) => {
    const at = `rules[${i}]`;
    const match = parseMatch(field(r, 'match'), `${at}.match`, errors);
    const requirementName = toStr(field(r, 'requirementName'));
    const rawRequires = field(r, 'requires');
    let requires: JwtRequirement | undefined;
    if (requirementName) {
      if (!requirementMap.has(requirementName)) errors.push(`${at}.requirement_name: ${JSON.stringify(requirementName)} is not in requirement_map`);
    } else if (rawRequires !== undefined && rawRequires !== null) {
      requires = parseRequirement(rawRequires, `${at}.requires`, names, errors);
    }
    if (match) rules.push({ match, ...(requires ? { requires } : {}), ...(requirementName ? { requirementName } : {}) });
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      providers,
      rules,
      requirementMap,
      bypassCorsPreflight: toBool(field(raw, 'bypassCorsPreflight')) === true,
      stripFailureResponse: toBool(field(raw, 'stripFailureResponse')) === true,
      warnings,
    },
  };
}

/** Parses `PerRouteConfig` (FilterConfig wrapper already removed). */
export function parseJwtAuthnPerRoute(raw: unknown): ConfigParseResult<JwtPerRouteConfig> {
  if (!isObject(raw)) return { ok: false, errors: ['jwt_authn per-route config must be an object'] };
  const disabled = field(raw, 'disabled');
  const requirementName = toStr(field(raw, 'requirementName'));
  if (disabled !== undefined && disabled !== null) {
    if (toBool(disabled) !== true) return { ok: false, errors: ['disabled: must be true when set'] };
    return { ok: true, config: { disabled: true } };
  }
  if (requirementName) return { ok: true, config: { requirementName } };
  return { ok: false, errors: ['one of disabled, requirement_name is required'] };
}
