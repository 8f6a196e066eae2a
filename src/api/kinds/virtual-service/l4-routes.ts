import type { Reporter } from '../../diagnostic.js';
import { checkIPOrCIDR, checkPort, checkWildcardDomain, isIP } from '../../validation/common.js';
import { toInt, validateIstioLabels } from '../destination-rule/networking-rules.js';
import { validateRouteDestinations } from './destinations.js';
import { checkGatewayBoundHost, hostIsSubsetOf, validateGatewayNames } from './host-names.js';

type Obj = Record<string, unknown>;

// Match fields TCP and TLS rules share.
function validateL4Match(m: Obj, at: Reporter): void {
  ((m.destinationSubnets as unknown[] | undefined) ?? []).forEach((s, i) => {
    const err = checkIPOrCIDR(String(s));
    if (err) at.at('destinationSubnets').at(i).error(err);
  });
  const port = toInt(m.port) ?? 0;
  if (port !== 0) {
    const err = checkPort(port);
    if (err) at.at('port').error(err);
  }
  validateIstioLabels(m.sourceLabels as Record<string, unknown> | undefined, at.at('sourceLabels'));
  validateGatewayNames(m.gateways as unknown[] | undefined, at.at('gateways'));
}

/** One TCP rule. */
export function validateTcpRoute(route: Obj, at: Reporter): void {
  ((route.match as unknown[] | undefined) ?? []).forEach((m, i) => {
    if (typeof m !== 'object' || m === null) at.at('match').at(i).error('tcp match may not be null');
    else validateL4Match(m as Obj, at.at('match').at(i));
  });
  if (!Array.isArray(route.route) || route.route.length === 0) at.at('route').error('a TCP rule needs a route');
  validateRouteDestinations(route.route as unknown[] | undefined, at.at('route'), { http: false });
}

/** What a TLS rule needs to know about its VirtualService. */
export interface TlsRouteContext {
  hosts: readonly string[];
  /** True unless the VS lists the `mesh` gateway (an empty list counts as bound to gateways here, as in Istio). */
  sniAsGateway: boolean;
}

/** One TLS rule: SNI hosts must be within the VirtualService's hosts. */
export function validateTlsRoute(route: Obj, at: Reporter, ctx: TlsRouteContext): void {
  const matches = (route.match as unknown[] | undefined) ?? [];
  if (matches.length === 0) at.at('match').error('a TLS rule needs at least one match condition');
  matches.forEach((m, i) => {
    const mat = at.at('match').at(i);
    if (typeof m !== 'object' || m === null) {
      mat.error('TLS match may not be null');
      return;
    }
    const match = m as Obj;
    const snis = (match.sniHosts as unknown[] | undefined) ?? [];
    if (snis.length === 0) mat.at('sniHosts').error('a TLS match needs at least one SNI host');
    snis.forEach((s, j) => checkSniHost(String(s), mat.at('sniHosts').at(j), ctx));
    validateL4Match(match, mat);
  });
  if (!Array.isArray(route.route) || route.route.length === 0) at.at('route').error('a TLS rule needs a route');
  validateRouteDestinations(route.route as unknown[] | undefined, at.at('route'), { http: false });
}

function checkSniHost(sni: string, at: Reporter, ctx: TlsRouteContext): void {
  const err = ctx.sniAsGateway ? checkGatewayBoundHost(sni, true) : checkWildcardDomain(sni);
  if (err) {
    if (isIP(sni)) at.warn(`SNI host ${JSON.stringify(sni)} is an IP address: that goes against the SNI spec and most clients do not send it`);
    else at.error(err);
    return;
  }
  if (!ctx.hosts.some((h) => hostIsSubsetOf(sni, h))) {
    at.error(`SNI host ${JSON.stringify(sni)} is not within any of the virtual service hosts [${ctx.hosts.join(', ')}]`);
  }
}
