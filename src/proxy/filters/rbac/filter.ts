import { EnvoyNamedCounters } from '../../../telemetry/envoy-named-counters.js';
import { rbacDeniedReply } from '../../errors/local-reply.js';
import { evaluateRbac, type RbacRules } from '../../rbac/rbac-evaluation.js';
import { RbacRequest } from '../../rbac/rbac-request.js';
import { rbacCounters, type RbacCounters } from '../../rbac/rbac-stats.js';
import type { FilterDeps, FilterOutcome, HttpFilter, HttpFilterContext } from '../filter-api.js';
import { perRouteCache, readPerRouteEntry } from '../per-route-config.js';
import { parseRbacPerRouteConfig } from './config.js';

/** Dynamic metadata namespace the HTTP filter writes its shadow result under. */
export const HTTP_RBAC_METADATA_NAMESPACE = 'envoy.filters.http.rbac';

// Per-route overrides: null = filter off for the route; undefined = no (usable) override.
const OFF = null;

/**
 * Envoy's HTTP RBAC filter: shadow rules evaluated and recorded, then the enforcing rules; a
 * denial is a local 403 `RBAC: access denied` with details
 * `rbac_access_denied_matched_policy[<policy>|none]`. `RBACPerRoute` on the route or virtual
 * host replaces the rules there, or turns the filter off.
 */
export function createRbacFilter(base: RbacRules, name: string, deps: FilterDeps): HttpFilter {
  const stats = deps.envoyStats ?? new EnvoyNamedCounters();
  // Created with the filter, as Envoy does, so scrapes show them at 0 before any request.
  let counters: RbacCounters | undefined = deps.statPrefix !== undefined ? rbacCounters(stats, `http.${deps.statPrefix}.`, base.rulesStatPrefix, base.shadowRulesStatPrefix) : undefined;
  const perRoute = perRouteCache<RbacRules | null>((raw) => {
    const entry = readPerRouteEntry(raw);
    if (!entry) return undefined;
    if (entry.disabled) return OFF;
    const parsed = parseRbacPerRouteConfig(entry.config);
    // The xds-client refuses invalid ones; should one get here, the filter's own rules apply.
    return parsed.ok ? parsed.config : undefined;
  });

  const rulesFor = (ctx: HttpFilterContext): RbacRules | null => {
    const raw = ctx.perFilterConfig(name);
    if (raw === undefined) return base;
    const override = perRoute(raw);
    return override === undefined ? base : override;
  };

  return {
    name,
    decodeHeaders(ctx): FilterOutcome {
      const rules = rulesFor(ctx);
      if (rules === OFF || (!rules.engine && !rules.shadow)) return 'continue';
      // Without a prefix from the deps: the HCM's, fixed for this filter instance.
      counters ??= rbacCounters(stats, `http.${ctx.hcm.statPrefix}.`, base.rulesStatPrefix, base.shadowRulesStatPrefix);
      const req = new RbacRequest(
        ctx.connection,
        { method: ctx.record.method, path: ctx.record.path, authority: ctx.record.authority, scheme: ctx.exchange.scheme, headers: ctx.headers },
        ctx.forwarded.clientAddress,
        () => ctx.dynamicMetadata,
      );
      const verdict = evaluateRbac(rules, req, counters, HTTP_RBAC_METADATA_NAMESPACE, ctx);
      if (verdict.allowed) return 'continue';
      const policy = verdict.policy ?? 'none';
      ctx.log.debug({ filter: name, policy, principal: ctx.connection.peerPrincipal, path: ctx.record.path }, 'request denied by RBAC');
      return { reply: rbacDeniedReply(policy) };
    },
  };
}
