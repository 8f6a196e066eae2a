import { anyField, type ProtoObject } from '../../protos.js';
import type { SidecarScope } from '../sidecar-scope.js';
import { applicablePolicies, type ApplicablePolicies } from './applicable-policies.js';
import { EXT_AUTHZ_FILTER, EXT_AUTHZ_SHADOW_PREFIX, EXT_AUTHZ_TYPE, resolveExtAuthz } from './ext-authz.js';
import { badCustomDenyRules, buildRules, HTTP_RBAC_FILTER, HTTP_RBAC_TYPE, httpRbacFilter, networkRbacFilter, type BuiltRules } from './rbac-filters.js';
import { trustDomainBundle, type TrustDomainBundle } from './trust-domain.js';

/** The authorization filters of a proxy: HTTP (CUSTOM, AUDIT, DENY, ALLOW) and network ones. */
export interface AuthzFilters {
  readonly http: readonly ProtoObject[];
  readonly tcp: readonly ProtoObject[];
  /** What a user should know: unusable providers, rules left out, policies not attached. */
  readonly warnings: readonly string[];
  readonly policies: ApplicablePolicies;
}

function customFilters(scope: SidecarScope, built: BuiltRules, forTcp: boolean, warnings: string[]): ProtoObject[] {
  const providers = [...new Set(built.providers)];
  const deny = (why: string): ProtoObject[] => {
    warnings.push(`CUSTOM authorization: ${why}; requests matching the CUSTOM rules are denied`);
    const bad = badCustomDenyRules(built);
    return [forTcp ? networkRbacFilter(bad) : httpRbacFilter(bad)];
  };
  if (providers.length > 1) return deny(`all extension providers must be the same for a workload, found [${providers.join(', ')}]`);
  let resolved;
  try {
    resolved = resolveExtAuthz(scope, scope.index.mesh.extensionProviders, providers[0] ?? '', HTTP_RBAC_FILTER);
  } catch (err) {
    return deny((err as Error).message);
  }
  for (const w of resolved.warnings) warnings.push(`CUSTOM authorization with provider ${resolved.provider}: ${w}`);
  if (forTcp) {
    // istiod ignores an HTTP provider on TCP chains. A gRPC provider would need Envoy's network
    // ext_authz filter, which the Plexus proxy does not run: fail closed instead of ignoring.
    if (resolved.kind === 'envoyExtAuthzHttp') return [];
    warnings.push(`CUSTOM authorization with gRPC provider ${resolved.provider} on TCP ports: the network ext_authz filter is not supported, connections matching the CUSTOM rules are denied`);
    return [networkRbacFilter(badCustomDenyRules(built))];
  }
  const shadow: ProtoObject = { shadow_rules_stat_prefix: EXT_AUTHZ_SHADOW_PREFIX };
  if (built.rules) shadow.shadow_rules = built.rules;
  return [
    { name: HTTP_RBAC_FILTER, typed_config: anyField(HTTP_RBAC_TYPE, shadow) },
    { name: EXT_AUTHZ_FILTER, typed_config: anyField(EXT_AUTHZ_TYPE, resolved.config) },
  ];
}

function filtersFor(scope: SidecarScope, policies: ApplicablePolicies, trustDomains: TrustDomainBundle, forTcp: boolean, warnings: string[]): ProtoObject[] {
  const out: ProtoObject[] = [];
  const rbac = forTcp ? networkRbacFilter : httpRbacFilter;
  const custom = buildRules(policies.custom, 'DENY', { trustDomains, forTcp, custom: true });
  if (custom) out.push(...customFilters(scope, custom, forTcp, warnings));
  for (const [list, action] of [[policies.audit, 'LOG'], [policies.deny, 'DENY'], [policies.allow, 'ALLOW']] as const) {
    const built = buildRules(list, action, { trustDomains, forTcp });
    if (!built) continue;
    if (!forTcp) for (const s of built.skipped) warnings.push(`skipped rule ${s}`);
    out.push(rbac(built));
  }
  return out;
}

const cache = new WeakMap<SidecarScope, AuthzFilters>();

/** The mesh trust domain and its aliases, as principals are expanded. */
export function scopeTrustDomains(scope: SidecarScope): TrustDomainBundle {
  return trustDomainBundle(scope.trustDomain, scope.index.mesh.trustDomainAliases ?? []);
}

/**
 * The authorization filters of one proxy, as istiod orders them: CUSTOM (shadow RBAC +
 * ext_authz), AUDIT, DENY, ALLOW; the same complete rules for every chain of a kind (no
 * per-port trimming). Empty when no AuthorizationPolicy applies. Built once per push and proxy.
 */
export function authzFilters(scope: SidecarScope): AuthzFilters {
  const hit = cache.get(scope);
  if (hit) return hit;
  const policies = applicablePolicies(scope.push, scope.proxy);
  const warnings: string[] = policies.ignored.map((i) => `AuthorizationPolicy ${i.policy.namespace}/${i.policy.name} not applied: ${i.reason}`);
  const trustDomains = scopeTrustDomains(scope);
  const result: AuthzFilters = {
    http: filtersFor(scope, policies, trustDomains, false, warnings),
    tcp: filtersFor(scope, policies, trustDomains, true, warnings),
    warnings: [...new Set(warnings)],
    policies,
  };
  cache.set(scope, result);
  return result;
}
