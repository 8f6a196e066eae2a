import type { Reporter } from '../../diagnostic.js';
import { checkWildcardDomain, isIP } from '../../validation/common.js';
import { validateNetworkingExportTo } from '../destination-rule/networking-rules.js';
import type { ValidationContext } from '../kind.js';
import { checkGatewayBoundHost, hostsOverlap, isJwtClaimRoute, MESH_GATEWAY, validateGatewayNames } from './host-names.js';
import { validateHttpRoute } from './http-route.js';
import { validateTcpRoute, validateTlsRoute } from './l4-routes.js';
import type { VirtualServiceSpec } from './types.js';
import { warnUnreachableRules } from './unreachable-rules.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The semantic rules of Istio's validating webhook and CRD for a VirtualService. */
export function validateVirtualService(spec: VirtualServiceSpec, at: Reporter, ctx: ValidationContext): void {
  const hosts = (spec.hosts ?? []).map(String);
  const gateways = (spec.gateways ?? []).map(String);
  const http = spec.http ?? [];
  const tcp = spec.tcp ?? [];
  const tls = spec.tls ?? [];
  const isDelegate = hosts.length === 0;

  if (isDelegate) {
    if (gateways.length > 0) at.at('gateways').error('a delegate virtual service (one without hosts) must not list gateways');
    if (tls.length > 0) at.at('tls').error('a delegate virtual service (one without hosts) cannot have tls routes');
    if (tcp.length > 0) at.at('tcp').error('a delegate virtual service (one without hosts) cannot have tcp routes');
  }

  // Bound to gateways only when gateways are listed and `mesh` is not among them.
  const boundToGateway = gateways.length > 0 && !gateways.includes(MESH_GATEWAY);
  if (gateways.length > 0) validateGatewayNames(gateways, at.at('gateways'));
  if (!boundToGateway) checkJwtClaimRoutes(http, at);

  const sni = tls.some((r) => isObj(r) && Array.isArray(r.match) && r.match.some((m) => isObj(m) && Array.isArray(m.sniHosts) && m.sniHosts.length > 0));
  let hostsValid = true;
  hosts.forEach((host, i) => {
    const err = boundToGateway ? checkGatewayBoundHost(host, sni) : checkWildcardDomain(host);
    if (err) {
      // IP addresses are accepted as hosts.
      if (!isIP(host)) {
        at.at('hosts').at(i).error(err);
        hostsValid = false;
      }
    } else if (!boundToGateway && host === '*') {
      at.at('hosts').at(i).error('wildcard host * is not allowed for virtual services bound to the mesh gateway');
      hostsValid = false;
    }
  });
  if (hostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hostsOverlap(hosts[i], hosts[j])) at.at('hosts').at(j).error(`duplicate hosts in virtual service: ${hosts[i]} & ${hosts[j]}`);
      }
    }
  }

  if (http.length === 0 && tcp.length === 0 && tls.length === 0) at.error('a virtual service needs at least one http, tcp or tls route');
  http.forEach((route, i) => {
    if (!isObj(route)) at.at('http').at(i).error('http route may not be null');
    else validateHttpRoute(route, at.at('http').at(i), isDelegate);
  });
  tls.forEach((route, i) => {
    if (isObj(route)) validateTlsRoute(route, at.at('tls').at(i), { hosts, sniAsGateway: !gateways.includes(MESH_GATEWAY) });
  });
  tcp.forEach((route, i) => {
    if (isObj(route)) validateTcpRoute(route, at.at('tcp').at(i));
  });

  validateNetworkingExportTo(spec.exportTo, ctx.resource.metadata?.namespace, at.at('exportTo'));

  warnUnreachableRules(http, 'http', at.at('http'));
  warnUnreachableRules(tcp, 'tcp', at.at('tcp'));
  warnUnreachableRules(tls, 'tls', at.at('tls'));
}

// Routing on JWT claims needs the claims, which only gateways extract.
function checkJwtClaimRoutes(http: readonly unknown[], at: Reporter): void {
  http.forEach((route, i) => {
    if (!isObj(route) || !Array.isArray(route.match)) return;
    route.match.forEach((m, j) => {
      if (!isObj(m)) return;
      for (const field of ['headers', 'withoutHeaders']) {
        for (const key of Object.keys(isObj(m[field]) ? (m[field] as Obj) : {})) {
          if (isJwtClaimRoute(key)) {
            at.at('http').at(i).at('match').at(j).at(field).at(key).error(`JWT claim based routing (${key}) is only supported on gateways, and this virtual service applies to the mesh`);
          }
        }
      }
    });
  });
}
