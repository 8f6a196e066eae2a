import type { DynamicMetadata } from '../matchers/metadata-matcher.js';
import { isAllowed, type RbacEngine } from './policy-engine.js';
import type { RbacRequest } from './rbac-request.js';
import type { RbacCounters } from './rbac-stats.js';

/** One RBAC filter's rules as compiled: enforcing and shadow engines, and their stat prefixes. */
export interface RbacRules {
  /** Absent: nothing is enforced (Envoy: `rules` unset). */
  readonly engine?: RbacEngine;
  /** Absent: no shadow evaluation, no shadow metadata. */
  readonly shadow?: RbacEngine;
  readonly rulesStatPrefix: string;
  readonly shadowRulesStatPrefix: string;
}

/** What the enforcing engine decided. */
export interface RbacVerdict {
  readonly allowed: boolean;
  /** The effective policy (for the 403 details): the one that matched, if any. */
  readonly policy: string | undefined;
}

const ALLOW_ALL: RbacVerdict = Object.freeze({ allowed: true, policy: undefined });

/** Whatever carries the dynamic metadata (the HTTP filter context; a per-connection holder on TCP). */
export interface MetadataHolder {
  dynamicMetadata: DynamicMetadata | undefined;
}

/** Envoy's shared namespace for the LOG action's hint to access loggers. */
export const COMMON_METADATA_NAMESPACE = 'envoy.common';

/**
 * Runs an RBAC filter's rules the way Envoy's filters do: the shadow engine first (counted, and
 * its result left in dynamic metadata as `<shadow prefix>shadow_effective_policy_id` and
 * `<shadow prefix>shadow_engine_result`), then the enforcing engine (counted; LOG sets
 * `envoy.common.access_log_hint` and always lets through).
 */
export function evaluateRbac(rules: RbacRules, req: RbacRequest, counters: RbacCounters, namespace: string, holder: MetadataHolder): RbacVerdict {
  const { shadow, engine } = rules;
  if (shadow) {
    const policy = shadow.matchingPolicy(req);
    const allowed = isAllowed(shadow.action, policy);
    (allowed ? counters.shadowAllowed : counters.shadowDenied).inc();
    if (policy !== undefined) writeMetadata(holder, namespace, `${rules.shadowRulesStatPrefix}shadow_effective_policy_id`, policy);
    writeMetadata(holder, namespace, `${rules.shadowRulesStatPrefix}shadow_engine_result`, allowed ? 'allowed' : 'denied');
  }
  if (!engine) return ALLOW_ALL;
  const policy = engine.matchingPolicy(req);
  if (engine.action === 'LOG') {
    (policy !== undefined ? counters.logged : counters.notLogged).inc();
    // A true hint is never overwritten by a false one (Envoy's rule for this shared key).
    if (policy !== undefined || holder.dynamicMetadata?.[COMMON_METADATA_NAMESPACE]?.['access_log_hint'] !== true) {
      writeMetadata(holder, COMMON_METADATA_NAMESPACE, 'access_log_hint', policy !== undefined);
    }
  }
  const allowed = isAllowed(engine.action, policy);
  (allowed ? counters.allowed : counters.denied).inc();
  return { allowed, policy };
}

/** Sets one key, creating the metadata and the namespace on first write. */
export function writeMetadata(holder: MetadataHolder, namespace: string, key: string, value: unknown): void {
  const all = (holder.dynamicMetadata ??= {});
  const ns = (all[namespace] ??= {});
  ns[key] = value;
}
