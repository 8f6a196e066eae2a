import type { Analyzer } from '../analyzer.js';
import { fullName, type ResourceEntry } from '../entry.js';
import { arr, num, obj, str, strings } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { exportScopes } from '../service-index.js';

interface Claim {
  scope: string;
  host: string;
  port: number;
  protocol: string;
  se: ResourceEntry;
}

/** IST0177: ServiceEntries visible in the same scope give one host and port different protocols. */
export const conflictingServiceEntryProtocolAnalyzer: Analyzer = {
  name: 'serviceentry.ConflictingServiceEntryProtocolAnalyzer',
  description: 'Checks if multiple ServiceEntries define the same host and port with different protocols',
  analyze(ctx) {
    const byKey = new Map<string, Claim[]>();
    for (const se of ctx.list('ServiceEntry')) {
      for (const scope of exportScopes(strings(se.spec.exportTo), se.namespace)) {
        for (const host of new Set(strings(se.spec.hosts))) {
          for (const p of arr(se.spec.ports)) {
            const port = num(obj(p)?.number);
            if (port === undefined) continue;
            const key = `${scope}|${host}|${port}`;
            byKey.set(key, [...(byKey.get(key) ?? []), { scope, host, port, protocol: (str(obj(p)?.protocol) ?? '').toUpperCase(), se }]);
          }
        }
      }
    }
    const reported = new Set<ResourceEntry>();
    for (const claims of byKey.values()) {
      const { scope, host, port } = claims[0];
      // Entries exported everywhere also conflict with ones exported to a single namespace.
      const all = scope === '*' ? claims : [...claims, ...(byKey.get(`*|${host}|${port}`) ?? [])];
      const protocols = [...new Set(all.map((c) => c.protocol))].sort();
      if (protocols.length < 2) continue;
      const names = [...new Set(all.map((c) => fullName(c.se)))].sort().join(', ');
      for (const c of all) {
        if (reported.has(c.se)) continue;
        reported.add(c.se);
        ctx.report(newMessage(MESSAGE_TYPES.ConflictingServiceEntryProtocol, c.se, 'metadata.name', names, host, port, protocols.join(', ')));
      }
    }
  },
};
