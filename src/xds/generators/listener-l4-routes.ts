import type { L4MatchAttributes, RouteDestination, TLSMatchAttributes, VirtualServiceSpec } from '../../api/kinds/virtual-service/types.js';
import type { ProtoObject } from '../protos.js';
import type { IndexedConfig } from '../push-context.js';
import { tcpProxyFilter, type TcpTarget } from './listener-filters.js';
import { destinationCluster, vsGateways, type HttpRouteContext } from './route-http.js';
import { qualifyGateway } from './sidecar-mesh-index.js';

/** An L4 rule's match against this proxy: port, gateways, source namespace and labels. */
function l4MatchApplies(m: L4MatchAttributes | TLSMatchAttributes, ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>): boolean {
  if (m.port !== undefined && m.port !== ctx.port) return false;
  const gateways = m.gateways && m.gateways.length > 0 ? m.gateways.map((g) => qualifyGateway(g, vs.namespace)) : vsGateways(vs);
  if (!gateways.includes(ctx.gateway ?? 'mesh')) return false;
  if (m.sourceNamespace && m.sourceNamespace !== ctx.scope.proxy.namespace) return false;
  if (m.sourceLabels && !Object.entries(m.sourceLabels).every(([k, v]) => ctx.scope.proxy.labels[k] === v)) return false;
  return true;
}

/** Weighted L4 destinations → a tcp_proxy target (zero weights dropped, one left → plain cluster). */
export function tcpTarget(ctx: HttpRouteContext, vs: { namespace: string }, route: readonly RouteDestination[] | undefined): TcpTarget | undefined {
  const dests = (route ?? []).filter((d) => d.destination?.host).map((d) => ({ name: destinationCluster(ctx, vs, d.destination!).name, weight: d.weight ?? 0 }));
  if (dests.length === 0) return undefined;
  const total = dests.reduce((s, d) => s + d.weight, 0);
  const kept = dests.filter((d) => total === 0 || d.weight > 0);
  if (kept.length === 1) return { cluster: kept[0]!.name };
  return { weighted: kept.map((d) => ({ name: d.name, weight: total === 0 ? 1 : d.weight })) };
}

/** The first `tcp` rule of a VirtualService that applies here (a rule without matches always does). */
export function tcpRouteTarget(ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>): TcpTarget | undefined {
  for (const rule of vs.spec.tcp ?? []) {
    const applies = !rule.match || rule.match.length === 0 ? vsGateways(vs).includes(ctx.gateway ?? 'mesh') : rule.match.some((m) => l4MatchApplies(m, ctx, vs));
    if (!applies) continue;
    const target = tcpTarget(ctx, vs, rule.route);
    if (target) return target;
  }
  return undefined;
}

/**
 * SNI filter chains for a VirtualService's `tls` rules: one per applicable match, its
 * `sniHosts` as `server_names` (narrowed by `allowSni` when given, e.g. to a gateway
 * server's hosts), forwarding with tcp_proxy.
 */
export function tlsRouteChains(ctx: HttpRouteContext, vs: IndexedConfig<VirtualServiceSpec>, statPrefix: string, allowSni?: (sni: string) => boolean): ProtoObject[] {
  const chains: ProtoObject[] = [];
  for (const rule of vs.spec.tls ?? []) {
    const target = tcpTarget(ctx, vs, rule.route);
    if (!target) continue;
    for (const m of rule.match ?? []) {
      if (!l4MatchApplies(m, ctx, vs)) continue;
      const sni = (m.sniHosts ?? []).filter((h) => !allowSni || allowSni(h));
      if (sni.length === 0) continue;
      chains.push({ filter_chain_match: { server_names: sni }, filters: [tcpProxyFilter(statPrefix, target)] });
    }
  }
  return chains;
}
