import type { JwtRule } from '../../api/kinds/request-authentication/types.js';
import { UNVERIFIABLE_JWKS } from '../jwks/fake-jwks.js';
import { jwksTimeoutMs } from '../jwks/jwks-sources.js';
import { anyField, type ProtoObject } from '../protos.js';
import type { PushContext } from '../push-context.js';
import type { ProxyInfo } from '../proxy.js';
import { requestAuthenticationsFor } from './request-authentications.js';

/** Envoy's name of the filter (also the dynamic metadata namespace RBAC reads). */
export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
const JWT_AUTHN_TYPE = 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication';
/** The metadata key of a verified payload (istiod's `payload_in_metadata`). */
export const JWT_PAYLOAD_METADATA_KEY = 'payload';
/** Claims istiod always treats as space-separated lists. */
const DEFAULT_SPACE_DELIMITED = ['permission', 'scope'];

function spaceDelimitedClaims(claims: readonly string[] | undefined): string[] {
  if (claims === undefined) return [...DEFAULT_SPACE_DELIMITED];
  return [...new Set([...claims, ...DEFAULT_SPACE_DELIMITED])].sort();
}

/** The JWKS to inline: the rule's own, else what the controller fetched, else the unverifiable set. */
function jwksFor(rule: JwtRule, push: PushContext): string {
  if (rule.jwks !== undefined && rule.jwks !== '') return rule.jwks;
  const fetched = push.jwks?.lookup({ issuer: rule.issuer ?? '', jwksUri: rule.jwksUri ?? '', timeoutMs: jwksTimeoutMs(rule.timeout) });
  return fetched ?? UNVERIFIABLE_JWKS;
}

function provider(rule: JwtRule, push: PushContext, clearRouteCache: boolean): ProtoObject {
  const p: ProtoObject = { issuer: rule.issuer ?? '' };
  if (rule.audiences && rule.audiences.length > 0) p.audiences = [...rule.audiences];
  if (rule.forwardOriginalToken) p.forward = true;
  if (rule.outputPayloadToHeader) p.forward_payload_header = rule.outputPayloadToHeader;
  p.payload_in_metadata = JWT_PAYLOAD_METADATA_KEY;
  p.normalize_payload_in_metadata = { space_delimited_claims: spaceDelimitedClaims(rule.spaceDelimitedClaims) };
  if (rule.outputClaimToHeaders && rule.outputClaimToHeaders.length > 0) {
    p.claim_to_headers = rule.outputClaimToHeaders.map((c) => ({ header_name: c.header, claim_name: c.claim }));
  }
  if (rule.fromHeaders && rule.fromHeaders.length > 0) p.from_headers = rule.fromHeaders.map((h) => ({ name: h.name, value_prefix: h.prefix ?? '' }));
  if (rule.fromParams && rule.fromParams.length > 0) p.from_params = [...rule.fromParams];
  if (rule.fromCookies && rule.fromCookies.length > 0) p.from_cookies = [...rule.fromCookies];
  p.local_jwks = { inline_string: jwksFor(rule, push) };
  if (clearRouteCache) p.clear_route_cache = true;
  return p;
}

const providerReq = (name: string): ProtoObject => ({ provider_name: name });
const anyOf = (requirements: ProtoObject[]): ProtoObject => ({ requires_any: { requirements } });

/**
 * The `JwtAuthentication` config istiod builds from JWT rules: one provider `origins-N` per rule
 * (rules sorted by issuer), keys inline, the payload published under `payload`, and the
 * requirement that a token, when present, must be valid for one provider while a request
 * without one passes on to authorization: `provider OR allow_missing` for one rule; with more,
 * `P1 OR P2 … OR (P1|allow_missing AND P2|allow_missing …)` so providers sharing a location work.
 */
export function jwtAuthnConfig(rules: readonly JwtRule[], push: PushContext, clearRouteCache = false): ProtoObject | undefined {
  if (rules.length === 0) return undefined;
  const sorted = [...rules].sort((a, b) => (a.issuer ?? '').localeCompare(b.issuer ?? ''));
  const providers: Record<string, ProtoObject> = {};
  const inner: ProtoObject[] = [];
  const outer: ProtoObject[] = [];
  sorted.forEach((rule, i) => {
    const name = `origins-${i}`;
    providers[name] = provider(rule, push, clearRouteCache);
    inner.push(anyOf([providerReq(name), { allow_missing: {} }]));
    outer.push(providerReq(name));
  });
  const requires = inner.length === 1 ? inner[0]! : anyOf([...outer, { requires_all: { requirements: inner } }]);
  return { providers, rules: [{ match: { prefix: '/' }, requires }], bypass_cors_preflight: true };
}

/**
 * The `envoy.filters.http.jwt_authn` HTTP filter for a sidecar or gateway, or undefined when no
 * RequestAuthentication applies to it (then its chains carry nothing new). On gateways every
 * provider has `clear_route_cache`, istiod's rule (`JwtFilter(proxy.Type != SidecarProxy)`): only
 * gateways route on `@request.auth.claims`, and the route must be chosen again once the claims
 * are known. Sidecar inbound routes never match on claims, so they keep the cached route.
 */
export function jwtAuthnFilter(push: PushContext, proxy: ProxyInfo): ProtoObject | undefined {
  const rules = requestAuthenticationsFor(push, proxy).flatMap((p) => (p.spec.jwtRules ?? []).filter((r): r is JwtRule => !!r && !!r.issuer));
  const config = jwtAuthnConfig(rules, push, proxy.type === 'router');
  return config ? { name: JWT_AUTHN_FILTER, typed_config: anyField(JWT_AUTHN_TYPE, config) } : undefined;
}
