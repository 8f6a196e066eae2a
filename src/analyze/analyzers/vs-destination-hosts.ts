import type { Analyzer } from '../analyzer.js';
import type { AnalysisContext } from '../context.js';
import type { ResourceEntry } from '../entry.js';
import { q, strings } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import type { ServiceRecord } from '../service-index.js';
import { mirrorDestinations, routeDestinations, type RouteDestination } from './vs-destinations.js';

function checkPorts(ctx: AnalysisContext, vs: ResourceEntry, d: RouteDestination, s: ServiceRecord): void {
  const path = `${d.path}.host`;
  if (d.port === undefined) {
    // Naming no port is fine as long as the service has only one.
    if (s.ports.length > 1) {
      ctx.report(newMessage(MESSAGE_TYPES.VirtualServiceDestinationPortSelectorRequired, vs, path, q(d.host), `[${s.ports.map((p) => p.number).join(' ')}]`));
    }
    return;
  }
  if (!s.ports.some((p) => p.number === d.port)) {
    ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, vs, `${d.path}.port`, 'host:port', q(`${d.host}:${d.port}`)));
  }
}

function analyzeVirtualService(ctx: AnalysisContext, vs: ResourceEntry): void {
  const index = ctx.serviceIndex();
  const exportTo = strings(vs.spec.exportTo);
  for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
    const s = index.lookup(d.host, vs.namespace, exportTo);
    if (!s) {
      ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, vs, `${d.path}.host`, d.mirror ? 'mirror host' : 'host', q(d.host)));
      continue;
    }
    checkPorts(ctx, vs, d, s);
  }
}

/**
 * IST0101 for route and mirror hosts that match no Service or ServiceEntry visible to the
 * VirtualService (wildcard ServiceEntry hosts count), or a port the service lacks; IST0112
 * when the destination names no port and the service has several.
 */
export const virtualServiceDestinationHostAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationHostAnalyzer',
  description: 'Checks the destination hosts associated with each virtual service',
  analyze(ctx) {
    for (const vs of ctx.list('VirtualService')) analyzeVirtualService(ctx, vs);
  },
};
