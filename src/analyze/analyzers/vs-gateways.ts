import type { Analyzer } from '../analyzer.js';
import type { AnalysisContext } from '../context.js';
import { fullName, type ResourceEntry } from '../entry.js';
import { arr, obj, q, strings } from '../fields.js';
import { hostsMatch, splitShortOrFullName } from '../hosts.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/**
 * Hosts a Gateway's servers offer to VirtualServices in `vsNamespace`: `./h` means the
 * gateway's namespace, `*\/h` any namespace, `ns/h` only `ns`.
 */
export function gatewayHostsFor(gw: ResourceEntry, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const server of arr(gw.spec.servers)) {
    for (const h of strings(obj(server)?.hosts)) {
      const slash = h.indexOf('/');
      if (slash < 0) {
        out.push(h);
        continue;
      }
      const ns = h.slice(0, slash);
      const host = h.slice(slash + 1);
      const effective = ns === '.' ? gw.namespace : ns;
      if (effective === '*' || effective === vsNamespace) out.push(host);
    }
  }
  return out;
}

function analyzeVirtualService(ctx: AnalysisContext, vs: ResourceEntry): void {
  const vsHosts = strings(vs.spec.hosts);
  strings(vs.spec.gateways).forEach((ref, i) => {
    if (ref === 'mesh') return;
    const { namespace, name } = splitShortOrFullName(ref, vs.namespace);
    const gw = ctx.find('Gateway', namespace, name);
    const path = `spec.gateways[${i}]`;
    if (!gw) {
      ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, vs, path, 'gateway', q(ref)));
      return;
    }
    const offered = gatewayHostsFor(gw, vs.namespace);
    if (!offered.some((g) => vsHosts.some((h) => hostsMatch(g, h)))) {
      ctx.report(newMessage(MESSAGE_TYPES.VirtualServiceHostNotFoundInGateway, vs, path, `[${vsHosts.join(' ')}]`, fullName(vs), fullName(gw)));
    }
  });
}

/** IST0101 for gateways a VirtualService names that do not exist; IST0132 when none of its hosts is served by the gateway. */
export const virtualServiceGatewayAnalyzer: Analyzer = {
  name: 'virtualservice.GatewayAnalyzer',
  description: 'Checks the gateways associated with each virtual service',
  analyze(ctx) {
    for (const vs of ctx.list('VirtualService')) analyzeVirtualService(ctx, vs);
  },
};
