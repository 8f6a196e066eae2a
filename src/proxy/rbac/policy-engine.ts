import { field, isObject } from '../filters/proto-values.js';
import type { RbacMatcher } from './header-matcher.js';
import { compilePermission } from './permission.js';
import { compilePrincipal } from './principal.js';
import type { RbacRequest } from './rbac-request.js';

/** `envoy.config.rbac.v3.RBAC.Action`. */
export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

const ACTIONS: Readonly<Record<string, RbacAction>> = { ALLOW: 'ALLOW', DENY: 'DENY', LOG: 'LOG', '0': 'ALLOW', '1': 'DENY', '2': 'LOG' };

interface CompiledPolicy {
  readonly name: string;
  readonly permissions: readonly RbacMatcher[];
  readonly principals: readonly RbacMatcher[];
}

/** A compiled `envoy.config.rbac.v3.RBAC`: its action and its policies in name order. */
export interface RbacEngine {
  readonly action: RbacAction;
  readonly policyNames: readonly string[];
  /**
   * The first policy, in name order (Envoy keeps policies in a sorted map), whose permissions
   * and principals both match; undefined when none does.
   */
  matchingPolicy(req: RbacRequest): string | undefined;
}

/** Envoy's handleAction: ALLOW needs a match, DENY needs none, LOG always lets through. */
export function isAllowed(action: RbacAction, matchedPolicy: string | undefined): boolean {
  if (action === 'ALLOW') return matchedPolicy !== undefined;
  if (action === 'DENY') return matchedPolicy === undefined;
  return true;
}

/**
 * Compiles an RBAC message once. Every problem is pushed to `errors` with its field path under
 * `at` (e.g. `rules.policies["ns[foo]-policy[bar]-rule[0]"].permissions[1].header.name`).
 */
export function compileRbacEngine(raw: unknown, at: string, errors: string[]): RbacEngine | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: an RBAC message is required`);
    return undefined;
  }
  const before = errors.length;
  const rawAction = field(raw, 'action');
  const action = rawAction === undefined ? 'ALLOW' : ACTIONS[String(rawAction)];
  if (!action) errors.push(`${at}.action: unknown action ${JSON.stringify(rawAction)}`);
  const audit = field(raw, 'auditLoggingOptions');
  if (audit !== undefined) errors.push(`${at}.audit_logging_options: RBAC audit loggers are not supported`);
  const rawPolicies = field(raw, 'policies');
  if (rawPolicies !== undefined && !isObject(rawPolicies)) errors.push(`${at}.policies: must be a map of name to Policy`);
  const policies: CompiledPolicy[] = [];
  const policyMap: Record<string, unknown> = isObject(rawPolicies) ? rawPolicies : {};
  // Envoy keeps policies in a sorted map: the first match in name order is the effective one.
  const names = Object.keys(policyMap).sort();
  for (const name of names) {
    const p = `${at}.policies[${JSON.stringify(name)}]`;
    const compiled = compilePolicy(policyMap[name], name, p, errors);
    if (compiled) policies.push(compiled);
  }
  if (errors.length > before || !action) return undefined;
  return {
    action,
    policyNames: names,
    matchingPolicy(req) {
      for (let i = 0; i < policies.length; i++) {
        const policy = policies[i]!;
        if (anyMatch(policy.permissions, req) && anyMatch(policy.principals, req)) return policy.name;
      }
      return undefined;
    },
  };
}

function anyMatch(matchers: readonly RbacMatcher[], req: RbacRequest): boolean {
  for (let i = 0; i < matchers.length; i++) if (matchers[i]!(req)) return true;
  return false;
}

function compilePolicy(raw: unknown, name: string, at: string, errors: string[]): CompiledPolicy | undefined {
  if (!isObject(raw)) {
    errors.push(`${at}: a Policy is required`);
    return undefined;
  }
  const before = errors.length;
  if (field(raw, 'condition') !== undefined) errors.push(`${at}.condition: CEL conditions are not supported`);
  if (field(raw, 'checkedCondition') !== undefined) errors.push(`${at}.checked_condition: CEL conditions are not supported`);
  const permissions = compileList(field(raw, 'permissions'), `${at}.permissions`, errors, compilePermission);
  const principals = compileList(field(raw, 'principals'), `${at}.principals`, errors, compilePrincipal);
  if (errors.length > before || !permissions || !principals) return undefined;
  return { name, permissions, principals };
}

function compileList(
  raw: unknown,
  at: string,
  errors: string[],
  one: (raw: unknown, at: string, errors: string[]) => RbacMatcher | undefined,
): RbacMatcher[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push(`${at}: at least one entry is required`);
    return undefined;
  }
  const out = raw.map((item, i) => one(item, `${at}[${i}]`, errors));
  return out.some((m) => m === undefined) ? undefined : (out as RbacMatcher[]);
}
