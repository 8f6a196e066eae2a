import { pino } from 'pino';
import type { ProtoObject } from '../../protos.js';
import type { PushContext } from '../../push-context.js';
import { jwtAuthnFilter } from '../jwt-authn-filter.js';
import { httpFilters } from '../listener-filters.js';
import type { SidecarScope } from '../sidecar-scope.js';
import { authzFilters } from './authz-filters.js';

/** The security filters of a proxy's inbound chains (and a gateway's), in istiod's order. */
export interface InboundSecurityFilters {
  /** HTTP filters before the existing ones: jwt_authn, CUSTOM (shadow rbac + ext_authz), AUDIT, DENY, ALLOW. */
  readonly http: readonly ProtoObject[];
  /** Network filters before tcp_proxy: CUSTOM, AUDIT, DENY, ALLOW (rbac, no jwt). */
  readonly tcp: readonly ProtoObject[];
}

// stderr, as the other components: stdout carries command output (proxy-config -o json).
const log = pino({ name: 'authz', level: process.env.PLEXUS_LOG_LEVEL ?? 'info' }, pino.destination(2));
const warned = new WeakMap<PushContext, Set<string>>();

/** Each warning once per push and workload: generators run per chain and per request type. */
function warnOnce(scope: SidecarScope, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  let seen = warned.get(scope.push);
  if (!seen) {
    seen = new Set();
    warned.set(scope.push, seen);
  }
  const workload = `${scope.proxy.namespace}/${scope.proxy.workloadName}`;
  for (const w of warnings) {
    const key = `${workload}\0${w}`;
    if (seen.has(key)) continue;
    seen.add(key);
    log.warn({ workload, proxy: scope.proxy.id }, w);
  }
}

const cache = new WeakMap<SidecarScope, InboundSecurityFilters>();

/** The security filters for a proxy (cached per push and proxy). */
export function inboundSecurityFilters(scope: SidecarScope): InboundSecurityFilters {
  const hit = cache.get(scope);
  if (hit) return hit;
  const authz = authzFilters(scope);
  warnOnce(scope, authz.warnings);
  const jwt = jwtAuthnFilter(scope.push, scope.proxy);
  const result: InboundSecurityFilters = { http: jwt ? [jwt, ...authz.http] : authz.http, tcp: authz.tcp };
  cache.set(scope, result);
  return result;
}

/**
 * The HTTP filter list of an inbound (or gateway) HCM: the security filters, then the usual
 * ones with the router last. Undefined when the proxy has none, so the HCM keeps its default
 * list and requests pay for nothing new.
 */
export function securedHttpFilters(scope: SidecarScope): ProtoObject[] | undefined {
  const { http } = inboundSecurityFilters(scope);
  return http.length === 0 ? undefined : [...http, ...httpFilters()];
}

/** A TCP chain's network filters with the RBAC filters in front (unchanged when there are none). */
export function securedNetworkFilters(scope: SidecarScope, filters: readonly ProtoObject[]): ProtoObject[] {
  const { tcp } = inboundSecurityFilters(scope);
  return tcp.length === 0 ? [...filters] : [...tcp, ...filters];
}
