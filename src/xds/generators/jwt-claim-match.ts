import type { HTTPMatchRequest, StringMatch } from '../../api/kinds/virtual-service/types.js';
import type { ProtoObject } from '../protos.js';
import { JWT_AUTHN_FILTER, JWT_PAYLOAD_METADATA_KEY } from './jwt-authn-filter.js';

/** The header-match key prefix Istio reads as "route on a verified JWT claim". */
const CLAIM_PREFIX = '@request.auth.claims';

/**
 * The claim path of a VirtualService header-match key, as istiod reads it: the prefix in any
 * case, then `.a.b` or `[a][b]` (claim names keep their case). Undefined: an ordinary header.
 */
export function routingClaimPath(name: string): string[] | undefined {
  if (!name.toLowerCase().startsWith(CLAIM_PREFIX)) return undefined;
  const rest = name.slice(CLAIM_PREFIX.length);
  if (rest.startsWith('.') && rest.length > 1) return rest.slice(1).split('.');
  if (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2) return rest.slice(1, -1).split('][');
  return undefined;
}

/** Istio's StringMatch as an Envoy StringMatcher; undefined when it names no non-empty pattern. */
function claimStringMatcher(m: StringMatch): ProtoObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined && m.prefix !== '') return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/**
 * istiod's RouteMatch `dynamic_metadata` entry for a claim match: a MetadataMatcher on the
 * jwt_authn payload (`envoy.filters.http.jwt_authn`, path `payload.<claim>…`) whose value matches
 * a string claim or any item of a list claim (`or_match` of `list_match.one_of` and the string
 * matcher); `withoutHeaders` inverts it. An empty match (`{}` or `prefix: ""`), which istiod
 * would turn into an Envoy-invalid StringMatcher, means "the claim is present", as it does for
 * headers.
 */
export function claimMetadataMatcher(claims: readonly string[], m: StringMatch, invert: boolean): ProtoObject {
  const sm = claimStringMatcher(m);
  const inner: ProtoObject = sm ? { string_match: sm } : { present_match: true };
  const value: ProtoObject = sm ? { or_match: { value_matchers: [{ list_match: { one_of: inner } }, inner] } } : inner;
  const out: ProtoObject = { filter: JWT_AUTHN_FILTER, path: [JWT_PAYLOAD_METADATA_KEY, ...claims].map((key) => ({ key })), value };
  if (invert) out.invert = true;
  return out;
}

/**
 * Whether a match block needs a verified claim (a `headers` claim key). Such a block can only
 * match where a jwt_authn filter runs before routing picks again: gateways. Sidecars route
 * outbound requests, which carry no verified claims, so the block could never match there.
 */
export function requiresJwtClaims(m: HTTPMatchRequest | undefined): boolean {
  return Object.keys(m?.headers ?? {}).some((k) => routingClaimPath(k) !== undefined);
}
