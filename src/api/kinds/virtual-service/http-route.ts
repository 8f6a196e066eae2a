import type { Reporter } from '../../diagnostic.js';
import { checkIstioDuration } from '../destination-rule/networking-rules.js';
import { validateRouteDestinations } from './destinations.js';
import { isAuthorityHeader, validateHeaderOperations } from './header-rules.js';
import { validateHttpMatch } from './http-match.js';
import { validateCors, validateDirectResponse, validateFault, validateMirroring, validateRedirect, validateRetries, validateRewrite } from './http-policies.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (v: unknown): boolean => v !== undefined && v !== null;
const nonEmptyList = (v: unknown): boolean => Array.isArray(v) && v.length > 0;

/**
 * One HTTP rule. `inDelegate` is true when the VirtualService has no hosts (it is a delegate),
 * whose rules may not delegate again.
 */
export function validateHttpRoute(route: Obj, at: Reporter, inDelegate: boolean): void {
  checkActionConflicts(route, at, inDelegate);
  ((route.match as unknown[] | undefined) ?? []).forEach((m, i) => validateHttpMatch(m, at.at('match').at(i)));
  validateHeaderOperations(route.headers, at.at('headers'));
  validateCors(route.corsPolicy, at.at('corsPolicy'));
  validateFault(route.fault, at.at('fault'));
  validateMirroring(route, at);
  validateRedirect(route.redirect, at.at('redirect'));
  validateDirectResponse(route.directResponse, at.at('directResponse'));
  validateRetries(route.retries, at.at('retries'));
  validateRewrite(route.rewrite, at.at('rewrite'));
  checkAuthorityRewrite(route, at);
  validateRouteDestinations(route.route as unknown[] | undefined, at.at('route'), { http: true });
  checkIstioDuration(route.timeout, at.at('timeout'));
}

// A rule does exactly one of: route, redirect, direct response, or (in a root VS) delegate.
function checkActionConflicts(route: Obj, at: Reporter, inDelegate: boolean): void {
  const name = typeof route.name === 'string' && route.name !== '' ? ` ${JSON.stringify(route.name)}` : '';
  if (!inDelegate && has(route.delegate)) {
    if (has(route.redirect)) at.at('redirect').error(`root HTTP route${name} delegates and must not also redirect`);
    if (has(route.route)) at.at('route').error(`root HTTP route${name} delegates and must not also have a route`);
    return;
  }
  if (inDelegate && has(route.delegate)) at.at('delegate').error('an HTTP route of a delegate VirtualService cannot delegate again');
  const routes = nonEmptyList(route.route);
  if (has(route.redirect)) {
    if (routes) at.at('route').error('HTTP route cannot contain both route and redirect');
    if (has(route.fault)) at.at('fault').error('HTTP route cannot contain both fault and redirect');
    if (has(route.rewrite)) at.at('rewrite').error('HTTP route cannot contain both rewrite and redirect');
    if (has(route.directResponse)) at.at('directResponse').error('HTTP route cannot contain both directResponse and redirect');
  } else if (has(route.directResponse)) {
    if (routes) at.at('route').error('HTTP route cannot contain both route and directResponse');
    if (has(route.fault)) at.at('fault').error('HTTP route cannot contain both fault and directResponse');
    if (has(route.rewrite)) at.at('rewrite').error('HTTP route cannot contain both rewrite and directResponse');
  } else if (!routes) {
    at.error('HTTP route needs a route, a redirect or a directResponse');
  }
  if (has(route.mirror) && nonEmptyList(route.mirrors)) at.at('mirrors').error('HTTP route cannot contain both mirror and mirrors');
}

// The authority may be rewritten in one place only: rewrite.authority or a host/:authority header.
function checkAuthorityRewrite(route: Obj, at: Reporter): void {
  let current = isObj(route.rewrite) && typeof route.rewrite.authority === 'string' ? route.rewrite.authority : '';
  const request = isObj(route.headers) && isObj(route.headers.request) ? route.headers.request : undefined;
  if (!request) return;
  for (const op of ['set', 'add'] as const) {
    const entries = isObj(request[op]) ? Object.entries(request[op] as Obj) : [];
    for (const [name, value] of entries) {
      if (!isAuthorityHeader(name)) continue;
      if (current !== '') {
        at.at('headers').at('request').at(op).at(name).error(`the authority is rewritten more than once: already ${JSON.stringify(current)}, now ${JSON.stringify(value)}`);
        return;
      }
      current = String(value);
    }
  }
}
