import type { Analyzer } from '../analyzer.js';
import { fullName, type ResourceEntry } from '../entry.js';
import { arr, num, obj, stringMap, strings } from '../fields.js';
import { hostsMatch } from '../hosts.js';
import { selectorString } from '../labels.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/** Strips the `ns/` part of a gateway server host. */
function bareHost(h: string): string {
  const slash = h.indexOf('/');
  return slash < 0 ? h : h.slice(slash + 1);
}

/** IST0145: two Gateways with the same selector serve the same port with overlapping hosts. */
export const conflictingGatewayAnalyzer: Analyzer = {
  name: 'gateway.ConflictingGatewayAnalyzer',
  description: 'Checks a gateway\'s selector, port number and hosts',
  analyze(ctx) {
    const servers = new Map<string, { gw: ResourceEntry; hosts: string[] }[]>();
    const keyOf = (gw: ResourceEntry, port: number): string => `${selectorString(stringMap(gw.spec.selector))}~${port}`;
    for (const gw of ctx.list('Gateway')) {
      for (const s of arr(gw.spec.servers)) {
        const port = num(obj(obj(s)?.port)?.number);
        if (port === undefined) continue;
        const key = keyOf(gw, port);
        servers.set(key, [...(servers.get(key) ?? []), { gw, hosts: strings(obj(s)?.hosts).map(bareHost) }]);
      }
    }
    for (const gw of ctx.list('Gateway')) {
      arr(gw.spec.servers).forEach((s, i) => {
        const port = num(obj(obj(s)?.port)?.number);
        if (port === undefined) return;
        const hosts = strings(obj(s)?.hosts).map(bareHost);
        const others = (servers.get(keyOf(gw, port)) ?? [])
          .filter((o) => o.gw !== gw && hosts.some((h) => o.hosts.some((oh) => hostsMatch(h, oh))))
          .map((o) => fullName(o.gw));
        if (others.length === 0) return;
        ctx.report(newMessage(MESSAGE_TYPES.ConflictingGateways, gw, `spec.servers[${i}]`, [...new Set(others)].join(','), selectorString(stringMap(gw.spec.selector)), String(port), hosts.join(',')));
      });
    }
  },
};
