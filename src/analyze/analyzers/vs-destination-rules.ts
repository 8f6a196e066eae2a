import type { Analyzer } from '../analyzer.js';
import { arr, obj, q, str } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { mirrorDestinations, routeDestinations } from './vs-destinations.js';

/** IST0101 for a destination subset that no DestinationRule for that host defines. */
export const virtualServiceDestinationRuleAnalyzer: Analyzer = {
  name: 'virtualservice.DestinationRuleAnalyzer',
  description: 'Checks the destination rules associated with each virtual service',
  analyze(ctx) {
    const subsets = new Set<string>();
    for (const dr of ctx.list('DestinationRule')) {
      const host = str(dr.spec.host);
      if (!host) continue;
      const fqdn = ctx.fqdn(host, dr.namespace);
      for (const s of arr(dr.spec.subsets)) {
        const name = str(obj(s)?.name);
        if (name) subsets.add(`${fqdn}|${name}`);
      }
    }
    for (const vs of ctx.list('VirtualService')) {
      for (const d of [...routeDestinations(vs), ...mirrorDestinations(vs)]) {
        if (!d.subset || subsets.has(`${ctx.fqdn(d.host, vs.namespace)}|${d.subset}`)) continue;
        const what = d.mirror ? 'mirror+subset in destinationrule' : 'host+subset in destinationrule';
        ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, vs, `${d.path}.subset`, what, q(`${d.host}+${d.subset}`)));
      }
    }
  },
};
