import type { Reporter } from '../../diagnostic.js';
import type { ValidationContext } from '../kind.js';
import { validatePolicyTargeting } from '../policy-target/validate.js';
import { checkConditionKey, checkConditionValue } from './conditions.js';
import { validateOperation, validateSource } from './source-operation.js';
import type { AuthorizationPolicySpec, AuthorizationRule } from './types.js';

const ACTIONS = ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] as const;
type Action = (typeof ACTIONS)[number];

const DRY_RUN = 'istio.io/dry-run';
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** protojson accepts an enum by name or by number. */
function actionOf(spec: AuthorizationPolicySpec): Action {
  const a = spec.action as unknown;
  if (typeof a === 'number') return ACTIONS[a] ?? 'ALLOW';
  return (a as Action | undefined) ?? 'ALLOW';
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

/** Istio's AuthorizationPolicy rules (webhook and CRD). */
export function validateAuthorizationPolicy(spec: AuthorizationPolicySpec, at: Reporter, ctx: ValidationContext): void {
  const action = actionOf(spec);
  validatePolicyTargeting(spec, at);
  checkDryRun(ctx, action, at);

  if (present(spec.provider) && action !== 'CUSTOM') at.at('provider').error(`provider may only be set with action CUSTOM, found ${action}`);
  if (action === 'CUSTOM') {
    if (!present(spec.rules)) {
      at.at('rules').error('a CUSTOM policy without rules is never triggered; add an empty rule {} to apply it to every request');
    } else if (!present(spec.provider)) {
      at.at('provider').error('provider.name is required with action CUSTOM');
    } else if (!spec.provider?.name) {
      at.at('provider').at('name').error('provider.name must not be empty');
    }
    (spec.rules ?? []).forEach((r, i) => r && checkCustomRule(r, at.at('rules').at(i)));
  }
  if (action === 'DENY' && !present(spec.rules)) {
    at.at('rules').error('a DENY policy without rules is never triggered; add an empty rule {} to apply it to every request');
  }
  if (action === 'ALLOW' && Array.isArray(spec.rules) && spec.rules.length === 0) {
    at.at('rules').warn('an ALLOW policy with an empty rules list matches nothing: every request to the selected workloads is denied');
  }
  const rules = spec.rules ?? [];
  if (rules.length > 512) at.at('rules').error(`at most 512 rules are allowed, got ${rules.length}`);
  rules.forEach((rule, i) => validateRule(rule, action, at.at('rules').at(i)));
}

function checkDryRun(ctx: ValidationContext, action: Action, at: Reporter): void {
  const annotations = ctx.resource.metadata?.annotations;
  if (!annotations || !(DRY_RUN in annotations)) return;
  if (action !== 'ALLOW' && action !== 'DENY') {
    at.error(`the ${DRY_RUN} annotation only supports actions ALLOW and DENY, found ${action}`);
  } else if (!GO_BOOLS.has(String(annotations[DRY_RUN]))) {
    at.error(`the ${DRY_RUN} annotation must be a boolean, got ${JSON.stringify(annotations[DRY_RUN])}`);
  }
}

/** CUSTOM policies are enforced by an external authorizer that cannot see peer or JWT identity. */
function checkCustomRule(rule: AuthorizationRule, at: Reporter): void {
  (rule.from ?? []).forEach((from, j) => {
    const src = from?.source;
    if (!src) return;
    for (const f of ['namespaces', 'notNamespaces', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'] as const) {
      if ((src[f] ?? []).length > 0) at.at('from').at(j).at('source').at(f).error(`${f} is not supported with action CUSTOM`);
    }
  });
  (rule.when ?? []).forEach((c, j) => {
    if (!c) return;
    if (c.key === 'source.namespace' || c.key === 'source.principal' || c.key?.startsWith('request.auth.')) {
      at.at('when').at(j).at('key').error(`${c.key} is not supported with action CUSTOM`);
    }
  });
}

function validateRule(rule: AuthorizationRule | null, action: Action, at: Reporter): void {
  if (!rule) {
    at.error('a rule must not be null');
    return;
  }
  let fromExists = false;
  let toExists = false;
  let tcpInFrom = false;
  let tcpInTo = false;
  if (Array.isArray(rule.from) && rule.from.length === 0) at.at('from').error('`from` must not be an empty list');
  if ((rule.from ?? []).length > 512) at.at('from').error(`at most 512 from entries are allowed, got ${rule.from?.length}`);
  (rule.from ?? []).forEach((from, j) => {
    const atFrom = at.at('from').at(j);
    if (!from) return atFrom.error('`from` entries must not be null');
    if (!from.source) return atFrom.at('source').error('`from.source` is required');
    fromExists = true;
    tcpInFrom = validateSource(from.source, atFrom.at('source')) || tcpInFrom;
  });
  if (Array.isArray(rule.to) && rule.to.length === 0) at.at('to').error('`to` must not be an empty list');
  (rule.to ?? []).forEach((to, j) => {
    const atTo = at.at('to').at(j);
    if (!to) return atTo.error('`to` entries must not be null');
    if (!to.operation) return atTo.at('operation').error('`to.operation` is required');
    toExists = true;
    tcpInTo = validateOperation(to.operation, atTo.at('operation')) || tcpInTo;
  });
  (rule.when ?? []).forEach((c, j) => validateCondition(c, at.at('when').at(j)));

  if (action === 'DENY' && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
    at.warn('this DENY rule uses only HTTP attributes, so it denies all traffic to TCP ports in its scope; specify the ports explicitly');
  }
}

function validateCondition(c: { key?: string; values?: string[]; notValues?: string[] } | null, at: Reporter): void {
  if (!c) return at.error('a condition must not be null');
  const key = c.key ?? '';
  if (key === '') return at.at('key').error('`key` is required');
  if ((c.values ?? []).length === 0 && (c.notValues ?? []).length === 0) {
    at.error(`at least one of values or notValues must be set for key ${key}`);
    return;
  }
  const keyErr = checkConditionKey(key);
  if (keyErr) return at.at('key').error(keyErr);
  for (const field of ['values', 'notValues'] as const) {
    (c[field] ?? []).forEach((v, i) => {
      const err = checkConditionValue(key, v);
      if (err) at.at(field).at(i).error(`invalid value for key ${key}: ${err}`);
    });
  }
}
