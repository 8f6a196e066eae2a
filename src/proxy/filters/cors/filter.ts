import { getHeader } from '../../http/header-map.js';
import { compileStringMatch, type StringPredicate } from '../../router/string-matcher.js';
import type { FilterOutcome, HttpFilter, HttpFilterContext } from '../filter-api.js';
import { perRouteCache, readPerRouteEntry } from '../per-route-config.js';
import { parseCorsPolicy, type CorsPolicy } from './config.js';

interface CompiledPolicy {
  readonly policy: CorsPolicy;
  readonly origins: readonly StringPredicate[];
}

// Per request: the origin the response must echo, decided in decodeHeaders.
const allowedOrigin = new WeakMap<HttpFilterContext, string>();

/**
 * Envoy's CORS filter with policies from the route (or virtual host) `typed_per_filter_config`:
 * answers preflights itself and adds `access-control-*` headers to responses for allowed origins.
 * Requests from other origins pass untouched, so the browser enforces the policy.
 */
export function createCorsFilter(name: string): HttpFilter {
  const policyFor = perRouteCache<CompiledPolicy | null>((raw) => {
    const entry = readPerRouteEntry(raw);
    if (!entry || entry.disabled) return null;
    const parsed = parseCorsPolicy(entry.config);
    if (!parsed.ok) return null;
    try {
      return { policy: parsed.config, origins: parsed.config.allowOrigins.map(compileStringMatch) };
    } catch {
      return null;
    }
  });
  const lookup = (ctx: HttpFilterContext): CompiledPolicy | undefined => {
    const route = ctx.route?.route.route.perFilterConfig?.[name];
    const vh = ctx.virtualHost?.perFilterConfig?.[name];
    return (route !== undefined ? policyFor(route) : undefined) ?? (vh !== undefined ? policyFor(vh) : undefined) ?? undefined;
  };

  return {
    name,
    decodeHeaders(ctx): FilterOutcome {
      const compiled = lookup(ctx);
      const origin = getHeader(ctx.headers, 'origin');
      if (!compiled || origin === undefined) return 'continue';
      const { policy } = compiled;
      if (policy.enabledFraction < 1 && Math.random() >= policy.enabledFraction) return 'continue';
      const allowed = compiled.origins.some((m) => m(origin));
      const preflight = ctx.record.method === 'OPTIONS' && getHeader(ctx.headers, 'access-control-request-method') !== undefined;
      if (!allowed) {
        if (preflight && !policy.forwardNotMatchingPreflights) return { reply: { status: 403, body: '', details: 'cors_origin_not_allowed' } };
        return 'continue';
      }
      if (!preflight) {
        allowedOrigin.set(ctx, origin);
        return 'continue';
      }
      const headers: Record<string, string> = { 'access-control-allow-origin': origin };
      if (policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
      if (policy.allowMethods) headers['access-control-allow-methods'] = policy.allowMethods;
      if (policy.allowHeaders) headers['access-control-allow-headers'] = policy.allowHeaders;
      if (policy.maxAge) headers['access-control-max-age'] = policy.maxAge;
      if (policy.allowPrivateNetworkAccess && getHeader(ctx.headers, 'access-control-request-private-network') === 'true') {
        headers['access-control-allow-private-network'] = 'true';
      }
      return { reply: { status: 200, body: '', details: 'cors_response' }, headers };
    },
    encodeHeaders(ctx, _status, headers): void {
      const origin = allowedOrigin.get(ctx);
      if (origin === undefined) return;
      const compiled = lookup(ctx);
      if (!compiled) return;
      headers['access-control-allow-origin'] = origin;
      if (compiled.policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
      if (compiled.policy.exposeHeaders) headers['access-control-expose-headers'] = compiled.policy.exposeHeaders;
    },
  };
}
