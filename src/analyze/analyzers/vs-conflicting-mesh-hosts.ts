import type { Analyzer } from '../analyzer.js';
import { fullName, type ResourceEntry } from '../entry.js';
import { strings } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { exportScopes } from '../service-index.js';

/** IST0109: several VirtualServices bound to the mesh gateway claim the same host in the same scope. */
export const conflictingMeshGatewayHostsAnalyzer: Analyzer = {
  name: 'virtualservice.ConflictingMeshGatewayHostsAnalyzer',
  description: 'Checks if multiple virtual services associated with the mesh gateway have conflicting hosts',
  analyze(ctx) {
    const claims = new Map<string, { host: string; list: ResourceEntry[] }>();
    for (const vs of ctx.list('VirtualService')) {
      const gateways = strings(vs.spec.gateways);
      // No gateways at all means the mesh gateway.
      if (gateways.length > 0 && !gateways.includes('mesh')) continue;
      for (const scope of exportScopes(strings(vs.spec.exportTo), vs.namespace)) {
        for (const h of new Set(strings(vs.spec.hosts))) {
          const host = ctx.fqdn(h, vs.namespace);
          const key = `${scope}|${host}`;
          const c = claims.get(key) ?? { host, list: [] };
          if (!c.list.includes(vs)) c.list.push(vs);
          claims.set(key, c);
        }
      }
    }
    for (const { host, list } of claims.values()) {
      if (list.length < 2) continue;
      const names = list.map(fullName).join(',');
      for (const vs of list) ctx.report(newMessage(MESSAGE_TYPES.ConflictingMeshGatewayVirtualServiceHosts, vs, 'metadata.name', names, host));
    }
  },
};
