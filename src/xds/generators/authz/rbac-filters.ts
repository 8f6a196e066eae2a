import { anyField, type ProtoObject } from '../../protos.js';
import type { IndexedAuthorizationPolicy } from './applicable-policies.js';
import { MATCH_NEVER, rulePolicy, type RbacAction } from './rule-policy.js';
import type { TrustDomainBundle } from './trust-domain.js';

/** The HTTP RBAC filter (inbound and gateway HCMs). */
export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac';
/** Config type of {@link HTTP_RBAC_FILTER}. */
export const HTTP_RBAC_TYPE = 'envoy.extensions.filters.http.rbac.v3.RBAC';
/** The network RBAC filter (TCP chains). */
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac';
/** Config type of {@link NETWORK_RBAC_FILTER}. */
export const NETWORK_RBAC_TYPE = 'envoy.extensions.filters.network.rbac.v3.RBAC';
/** istiod's stat prefix of the network RBAC filter. */
export const TCP_STAT_PREFIX = 'tcp.';
/** shadow_rules_stat_prefix of dry-run ALLOW policies (and, as istiod, of filters without shadow rules). */
export const DRY_RUN_ALLOW_PREFIX = 'istio_dry_run_allow_';
/** shadow_rules_stat_prefix of dry-run DENY policies. */
export const DRY_RUN_DENY_PREFIX = 'istio_dry_run_deny_';
/** Suffix of the DENY policies istiod emits for a CUSTOM policy whose provider is unusable. */
export const BAD_CUSTOM_SUFFIX = '-deny-due-to-bad-CUSTOM-action';

/** An Envoy `config.rbac.v3.RBAC`: an action and named policies. */
export interface RbacRules {
  readonly action: RbacAction;
  readonly policies: Record<string, ProtoObject>;
}

/** Enforced and dry-run (shadow) rules of one action, and the rules left out on this chain. */
export interface BuiltRules {
  readonly rules?: RbacRules;
  readonly shadowRules?: RbacRules;
  readonly skipped: readonly string[];
  /** Provider named by each policy (CUSTOM only). */
  readonly providers: readonly string[];
}

/** Options of {@link buildRules}. */
export interface BuildOptions {
  readonly trustDomains: TrustDomainBundle;
  readonly forTcp: boolean;
  /** CUSTOM policies: names get the `istio-ext-authz-` prefix the ext_authz filter is gated on. */
  readonly custom?: boolean;
}

/** istiod's policy name: `ns[NS]-policy[NAME]-rule[N]`. */
export function policyName(namespace: string, name: string, rule: number, custom = false): string {
  return `${custom ? 'istio-ext-authz-' : ''}ns[${namespace}]-policy[${name}]-rule[${rule}]`;
}

/** Sorted keys, so the generated config (and the shadow effective policy) does not depend on insertion order. */
function sortedPolicies(policies: Record<string, ProtoObject>): Record<string, ProtoObject> {
  return Object.fromEntries(Object.keys(policies).sort().map((k) => [k, policies[k]!]));
}

/**
 * The RBAC rules of the policies of one action on one kind of chain, as istiod's builder: each
 * rule a named policy, a policy without rules a policy that never matches, dry-run policies
 * in the shadow rules. Undefined when there are no policies.
 */
export function buildRules(policies: readonly IndexedAuthorizationPolicy[], action: RbacAction, o: BuildOptions): BuiltRules | undefined {
  if (policies.length === 0) return undefined;
  const enforce: Record<string, ProtoObject> = {};
  const shadow: Record<string, ProtoObject> = {};
  let hasEnforce = false;
  let hasShadow = false;
  const skipped: string[] = [];
  const providers: string[] = [];
  for (const p of policies) {
    const target = p.dryRun ? shadow : enforce;
    if (p.dryRun) hasShadow = true;
    else hasEnforce = true;
    if (o.custom) providers.push(p.spec.provider?.name ?? '');
    const rules = p.spec.rules ?? [];
    rules.forEach((rule, i) => {
      const name = policyName(p.namespace, p.name, i, o.custom);
      if (!rule) {
        skipped.push(`${name}: nil rule`);
        return;
      }
      const result = rulePolicy(rule, { namespace: p.namespace, trustDomains: o.trustDomains, forTcp: o.forTcp, action });
      if ('skipped' in result) skipped.push(`${name}: ${result.skipped}`);
      else target[name] = result.policy;
    });
    if (rules.length === 0) target[policyName(p.namespace, p.name, 0, o.custom)] = MATCH_NEVER;
  }
  return {
    ...(hasEnforce ? { rules: { action, policies: sortedPolicies(enforce) } } : {}),
    ...(hasShadow ? { shadowRules: { action, policies: sortedPolicies(shadow) } } : {}),
    skipped,
    providers,
  };
}

function dryRunPrefix(action: RbacAction): string {
  return action === 'ALLOW' ? DRY_RUN_ALLOW_PREFIX : action === 'DENY' ? DRY_RUN_DENY_PREFIX : '';
}

/**
 * Rules, shadow rules and the shadow stat prefix. istiod derives the prefix from the shadow
 * rules' action, which reads as ALLOW when there are none, so enforcing filters carry
 * `istio_dry_run_allow_` too (it names nothing then: no shadow rules, no shadow stats).
 */
function rbacFields(built: BuiltRules, config: ProtoObject): ProtoObject {
  if (built.rules) config.rules = built.rules;
  if (built.shadowRules) config.shadow_rules = built.shadowRules;
  const prefix = dryRunPrefix(built.shadowRules?.action ?? 'ALLOW');
  if (prefix) config.shadow_rules_stat_prefix = prefix;
  return config;
}

/** The `envoy.filters.http.rbac` filter of one action. */
export function httpRbacFilter(built: BuiltRules): ProtoObject {
  return { name: HTTP_RBAC_FILTER, typed_config: anyField(HTTP_RBAC_TYPE, rbacFields(built, {})) };
}

/** The `envoy.filters.network.rbac` filter of one action (stat prefix `tcp.`). */
export function networkRbacFilter(built: BuiltRules): ProtoObject {
  return { name: NETWORK_RBAC_FILTER, typed_config: anyField(NETWORK_RBAC_TYPE, rbacFields(built, { stat_prefix: TCP_STAT_PREFIX })) };
}

/** istiod's answer to an unusable CUSTOM provider: what the CUSTOM rules match is denied. */
export function badCustomDenyRules(built: BuiltRules): BuiltRules {
  const policies: Record<string, ProtoObject> = {};
  for (const [k, v] of Object.entries(built.rules?.policies ?? {})) policies[k + BAD_CUSTOM_SUFFIX] = v;
  return { rules: { action: 'DENY', policies: sortedPolicies(policies) }, skipped: built.skipped, providers: built.providers };
}
