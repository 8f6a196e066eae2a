import type { AuthorizationRule, Operation, Source } from '../../../api/kinds/authorization-policy/types.js';
import type { ProtoObject } from '../../protos.js';
import { conditionGenerator, GENERATORS, type AttributeContext, type AttributeGenerator } from './attributes.js';
import { expandTrustDomains, type TrustDomainBundle } from './trust-domain.js';

/** The RBAC action a rule is generated for: it decides how an unusable attribute is treated. */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

/** Where a rule is generated. */
export interface RuleContext extends AttributeContext {
  readonly trustDomains: TrustDomainBundle;
  /** A TCP filter chain: HTTP-only attributes cannot be evaluated. */
  readonly forTcp: boolean;
  readonly action: RbacAction;
}

/** A rule as an Envoy `config.rbac.v3.Policy`, or why it produced nothing on this chain. */
export type RuleResult = { readonly policy: ProtoObject } | { readonly skipped: string };

/** One attribute of a rule: its key (for trust-domain rewriting and messages) and values. */
interface Entry {
  readonly key: string;
  readonly generator: AttributeGenerator;
  readonly values: readonly string[];
  readonly notValues: readonly string[];
}

const has = (e: { values?: readonly string[]; notValues?: readonly string[] }): boolean => (e.values?.length ?? 0) > 0 || (e.notValues?.length ?? 0) > 0;

function entry(key: string, generator: AttributeGenerator, values: readonly string[] | undefined, notValues: readonly string[] | undefined): Entry[] {
  const e = { key, generator, values: values ?? [], notValues: notValues ?? [] };
  return has(e) ? [e] : [];
}

// istiod inserts source and operation fields in front of the `when` conditions in this order.
function sourceEntries(s: Source): Entry[] {
  return [
    ...entry('source.serviceAccount', GENERATORS.serviceAccount, s.serviceAccounts, s.notServiceAccounts),
    ...entry('source.principal', GENERATORS.sourcePrincipal, s.principals, s.notPrincipals),
    ...entry('request.auth.principal', GENERATORS.requestPrincipal, s.requestPrincipals, s.notRequestPrincipals),
    ...entry('source.namespace', GENERATORS.sourceNamespace, s.namespaces, s.notNamespaces),
    ...entry('remote.ip', GENERATORS.remoteIp, s.remoteIpBlocks, s.notRemoteIpBlocks),
    ...entry('source.ip', GENERATORS.sourceIp, s.ipBlocks, s.notIpBlocks),
  ];
}

function operationEntries(o: Operation): Entry[] {
  return [
    ...entry(':authority', GENERATORS.host, o.hosts, o.notHosts),
    ...entry(':method', GENERATORS.method, o.methods, o.notMethods),
    ...entry('path', GENERATORS.path, o.paths, o.notPaths),
    ...entry('destination.port', GENERATORS.destinationPort, o.ports, o.notPorts),
  ];
}

class SkipRule extends Error {}

/** The matchers of one entry: OR of its values, NOT(OR) of its not-values. */
function matchersOf(e: Entry, ctx: RuleContext): ProtoObject[] {
  const side = e.generator.side;
  if (ctx.forTcp && e.generator.httpOnly) {
    // ALLOW: the whole rule matches nothing on TCP. DENY and AUDIT: the attribute is left out,
    // so the rule matches more (istiod's "fail closed" for TCP).
    if (ctx.action === 'ALLOW') throw new SkipRule(`${JSON.stringify(e.key)} is HTTP only`);
    return [];
  }
  const principals = (values: readonly string[]): readonly string[] => (e.key === 'source.principal' ? expandTrustDomains(ctx.trustDomains, values) : values);
  const out: ProtoObject[] = [];
  const build = (values: readonly string[]): ProtoObject | undefined => {
    try {
      return e.generator.build(e.key, values, ctx);
    } catch (err) {
      if (ctx.action === 'ALLOW') throw new SkipRule((err as Error).message);
      return undefined;
    }
  };
  if (e.values.length > 0) {
    const m = build(principals(e.values));
    if (m) out.push(m);
  }
  if (e.notValues.length > 0) {
    const m = build(principals(e.notValues));
    if (m) out.push(side === 'permission' ? { not_rule: m } : { not_id: m });
  }
  return out;
}

function permissionOf(entries: readonly Entry[], ctx: RuleContext): ProtoObject {
  const rules = entries.flatMap((e) => matchersOf(e, ctx));
  return { and_rules: { rules: rules.length > 0 ? rules : [{ any: true }] } };
}

function principalOf(entries: readonly Entry[], ctx: RuleContext): ProtoObject {
  const ids = entries.flatMap((e) => matchersOf(e, ctx));
  return { and_ids: { ids: ids.length > 0 ? ids : [{ any: true }] } };
}

/**
 * One AuthorizationPolicy rule as an Envoy RBAC policy, as istiod builds it: every `from`
 * becomes a principal and every `to` a permission (each an AND of its attributes, `when`
 * conditions appended to each), values of one attribute OR'ed, not-values negated. On a TCP
 * chain an HTTP-only attribute drops the whole rule for ALLOW and is ignored for DENY/AUDIT.
 */
export function rulePolicy(rule: AuthorizationRule, ctx: RuleContext): RuleResult {
  const basePermission: Entry[] = [];
  const basePrincipal: Entry[] = [];
  for (const c of rule.when ?? []) {
    const generator = conditionGenerator(c.key);
    if (!generator) return { skipped: `unknown attribute ${c.key}` };
    const e = entry(c.key, generator, c.values, c.notValues);
    (generator.side === 'permission' ? basePermission : basePrincipal).push(...e);
  }
  const principalLists = (rule.from ?? []).map((f) => [...(f.source ? sourceEntries(f.source) : []), ...basePrincipal]);
  if (principalLists.length === 0) principalLists.push(basePrincipal);
  const permissionLists = (rule.to ?? []).map((t) => [...(t.operation ? operationEntries(t.operation) : []), ...basePermission]);
  if (permissionLists.length === 0) permissionLists.push(basePermission);
  try {
    return {
      policy: {
        permissions: permissionLists.map((l) => permissionOf(l, ctx)),
        principals: principalLists.map((l) => principalOf(l, ctx)),
      },
    };
  } catch (err) {
    if (err instanceof SkipRule) return { skipped: err.message };
    throw err;
  }
}

/** istiod's policy that never matches: an ALLOW policy without rules (allow nothing). */
export const MATCH_NEVER: ProtoObject = Object.freeze({
  permissions: [{ not_rule: { any: true } }],
  principals: [{ not_id: { any: true } }],
});
