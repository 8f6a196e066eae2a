import type { RequestAuthenticationSpec } from '../../api/kinds/request-authentication/types.js';
import type { Resource } from '../../api/resource.js';
import { parseDuration } from '../duration.js';
import type { JwksSource } from './jwks-resolver.js';

/** istiod's JWKS fetch timeout when a rule sets none. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

/** The fetch timeout of a rule (its `timeout`, else 5 s). */
export function jwksTimeoutMs(timeout: string | undefined): number {
  const d = parseDuration(timeout);
  const ms = d ? d.seconds * 1000 + Math.round(d.nanos / 1e6) : 0;
  return ms > 0 ? ms : DEFAULT_JWKS_TIMEOUT_MS;
}

/** Every key source the controller must fetch: JWT rules with a jwksUri, or only an issuer. */
export function jwksSources(resources: readonly Resource<unknown>[]): JwksSource[] {
  const out: JwksSource[] = [];
  for (const r of resources) {
    if (r.kind !== 'RequestAuthentication' || !r.apiVersion.startsWith('security.istio.io/')) continue;
    for (const rule of ((r.spec ?? {}) as RequestAuthenticationSpec).jwtRules ?? []) {
      if (!rule?.issuer || (rule.jwks !== undefined && rule.jwks !== '')) continue;
      out.push({ issuer: rule.issuer, jwksUri: rule.jwksUri ?? '', timeoutMs: jwksTimeoutMs(rule.timeout) });
    }
  }
  return out;
}
