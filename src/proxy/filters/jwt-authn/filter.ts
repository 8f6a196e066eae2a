import type { LocalReply } from '../../errors/local-reply.js';
import { getHeader } from '../../http/header-map.js';
import { compileRouteMatch, lazyQuery, type RouteMatcher } from '../../router/route-matcher.js';
import { splitPath, type RouteRequest } from '../../router/route-request.js';
import type { FilterDeps, FilterOutcome, HttpFilter, HttpFilterContext } from '../filter-api.js';
import { perRouteCache, readPerRouteEntry } from '../per-route-config.js';
import { providerSet, type JwtRequestState, type ProviderSet } from './authenticator.js';
import { parseJwtAuthnPerRoute, type JwtAuthnConfig, type JwtPerRouteConfig } from './config.js';
import { JWT_STATUS, refusalDetails, type JwtStatus } from './status.js';
import { compileRequirement, type RequirementVerifier } from './verifier.js';

/** Dynamic metadata namespace the filter writes (RBAC reads `payload` there). */
export const JWT_AUTHN_METADATA_NAMESPACE = 'envoy.filters.http.jwt_authn';

// Envoy truncates the realm URI's path to this many characters.
const MAX_URI_PATH = 256;

interface CompiledRule {
  readonly matches: RouteMatcher;
  readonly verifier: RequirementVerifier | undefined;
}

/** Options for tests: a fixed clock. */
export interface JwtAuthnFilterOptions {
  readonly now?: () => number;
}

function originalUri(ctx: HttpFilterContext): string {
  const scheme = getHeader(ctx.headers, 'x-forwarded-proto') ?? ctx.exchange.scheme;
  return `${scheme}://${ctx.record.authority}${splitPath(ctx.record.path).path.slice(0, MAX_URI_PATH)}`;
}

function refusal(status: JwtStatus, ctx: HttpFilterContext, strip: boolean): FilterOutcome {
  // Envoy answers 403 for a wrong audience and 401 for everything else.
  const code = status === JWT_STATUS.audienceNotAllowed ? 403 : 401;
  const details = refusalDetails(status);
  if (strip) return { reply: { status: code, body: '', details } };
  const challenge = `Bearer realm="${originalUri(ctx)}"${status === JWT_STATUS.missing ? '' : ', error="invalid_token"'}`;
  const reply: LocalReply = { status: code, body: status, details, headers: { 'www-authenticate': challenge } };
  return { reply };
}

function isCorsPreflight(ctx: HttpFilterContext): boolean {
  return ctx.record.method === 'OPTIONS' && !!getHeader(ctx.headers, 'origin') && !!getHeader(ctx.headers, 'access-control-request-method');
}

/**
 * Envoy's jwt_authn filter: finds the requirement for the request (per-route config, else the
 * first matching rule), verifies the tokens it asks for against the providers' inline JWKS with
 * `jose`, and refuses with Envoy's 401/403 body and `www-authenticate` challenge. On success the
 * verified payloads go to dynamic metadata (`envoy.filters.http.jwt_authn`), the payload and
 * claim headers are set and, unless forwarded, the token is removed. Keys are imported when the
 * config is parsed; a request only verifies.
 */
export function createJwtAuthnFilter(config: JwtAuthnConfig, name: string, deps: Pick<FilterDeps, 'logger'>, options: JwtAuthnFilterOptions = {}): HttpFilter {
  const set: ProviderSet = providerSet(config.providers.values(), options.now);
  for (const w of config.warnings) deps.logger.warn({ filter: name }, w);
  for (const p of config.providers.values()) {
    if (p.jwks.problems.length > 0) deps.logger.warn({ filter: name, provider: p.name, issuer: p.issuer, problems: p.jwks.problems }, p.jwks.keys.length === 0 ? 'JWKS has no usable key: every token of this provider fails' : 'JWKS keys dropped');
  }
  const named = new Map<string, RequirementVerifier>();
  for (const [n, r] of config.requirementMap) named.set(n, compileRequirement(r, set));
  const rules: CompiledRule[] = config.rules.map((r) => ({
    matches: compileRouteMatch(r.match),
    verifier: r.requirementName !== undefined ? named.get(r.requirementName) : r.requires ? compileRequirement(r.requires, set) : undefined,
  }));
  const perRoute = perRouteCache<JwtPerRouteConfig | null>((raw) => {
    const entry = readPerRouteEntry(raw);
    if (!entry) return null;
    if (entry.disabled) return { disabled: true };
    const parsed = parseJwtAuthnPerRoute(entry.config);
    return parsed.ok ? parsed.config : null;
  });

  const findVerifier = (ctx: HttpFilterContext): RequirementVerifier | undefined => {
    if (rules.length === 0) return undefined;
    const req: RouteRequest = { method: ctx.record.method, path: ctx.record.path, authority: ctx.record.authority, scheme: ctx.exchange.scheme, headers: ctx.headers, clientAddress: ctx.forwarded.clientAddress };
    const query = lazyQuery(req);
    return rules.find((r) => r.matches(req, query))?.verifier;
  };

  return {
    name,
    async decodeHeaders(ctx): Promise<FilterOutcome> {
      if (config.bypassCorsPreflight && isCorsPreflight(ctx)) return 'continue';
      let verifier: RequirementVerifier | undefined;
      const routeRaw = ctx.perFilterConfig(name);
      const route = routeRaw !== undefined ? perRoute(routeRaw) : undefined;
      if (route) {
        if ('disabled' in route) return 'continue';
        verifier = named.get(route.requirementName);
        if (!verifier) {
          const message = `Wrong requirement_name: ${route.requirementName}. It should be one of [${[...named.keys()].join(',')}]`;
          const details = refusalDetails(message);
          return { reply: { status: 403, body: config.stripFailureResponse ? '' : `Failed JWT authentication: ${message}`, details } };
        }
      } else {
        verifier = findVerifier(ctx);
      }
      if (!verifier) return 'continue';
      const state: JwtRequestState = { headers: ctx.headers, path: ctx.record.path, extracted: undefined, clearRouteCache: false };
      let status: JwtStatus;
      try {
        status = await verifier(state);
      } catch (err) {
        // Fail closed: a verifier bug must never let an unverified token through.
        ctx.log.error({ err, filter: name }, 'jwt_authn verification threw; refusing the request');
        status = JWT_STATUS.verificationFail;
      }
      // A token taken from the query string and not forwarded leaves the path upstream sees.
      if (state.path !== ctx.record.path) (ctx.record as { path: string }).path = state.path;
      if (status !== JWT_STATUS.ok) return refusal(status, ctx, config.stripFailureResponse);
      if (state.extracted) {
        const md = (ctx.dynamicMetadata ??= {});
        md[JWT_AUTHN_METADATA_NAMESPACE] = { ...md[JWT_AUTHN_METADATA_NAMESPACE], ...state.extracted };
      }
      // Routes may match the new claims (`dynamic_metadata`) or claim headers: choose again.
      if (state.clearRouteCache) ctx.clearRouteCache();
      return 'continue';
    },
  };
}
