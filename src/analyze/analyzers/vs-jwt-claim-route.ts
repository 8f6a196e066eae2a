import type { Analyzer } from '../analyzer.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj, stringMap, strings } from '../fields.js';
import { splitShortOrFullName } from '../hosts.js';
import { selectorMatches } from '../labels.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { fullName } from '../entry.js';

/** Header match keys with this prefix route on a validated JWT claim. */
const CLAIM_PREFIX = '@request.auth.claims';

function claimKey(vs: ResourceEntry): { key: string; path: string } | undefined {
  for (const [i, route] of arr(vs.spec.http).entries()) {
    for (const [j, match] of arr(obj(route)?.match).entries()) {
      for (const field of ['headers', 'withoutHeaders']) {
        const key = Object.keys(obj(obj(match)?.[field]) ?? {}).find((k) => k.startsWith(CLAIM_PREFIX));
        if (key) return { key, path: `spec.http[${i}].match[${j}].${field}` };
      }
    }
  }
  return undefined;
}

/**
 * IST0149: a VirtualService routes on JWT claims through a gateway whose pods no
 * RequestAuthentication (root namespace or the pod's own) applies to.
 */
export const jwtClaimRouteAnalyzer: Analyzer = {
  name: 'virtualservice.JWTClaimRouteAnalyzer',
  description: 'Checks the VirtualService using JWT claim based routing has corresponding RequestAuthentication',
  analyze(ctx) {
    const ras = ctx.list('RequestAuthentication').map((ra) => ({ namespace: ra.namespace, selector: stringMap(obj(ra.spec.selector)?.matchLabels) }));
    for (const vs of ctx.list('VirtualService')) {
      const claim = claimKey(vs);
      if (!claim) continue;
      for (const ref of strings(vs.spec.gateways)) {
        if (ref === 'mesh') continue;
        const { namespace, name } = splitShortOrFullName(ref, vs.namespace);
        const gw = ctx.find('Gateway', namespace, name);
        if (!gw) continue; // reported by the gateway analyzer
        const selector = stringMap(gw.spec.selector);
        for (const w of ctx.workloads()) {
          if (!selectorMatches(selector, w.labels)) continue;
          const covered = ras.some((ra) => (ra.namespace === ctx.mesh.rootNamespace || ra.namespace === w.namespace) && selectorMatches(ra.selector, w.labels));
          if (!covered) ctx.report(newMessage(MESSAGE_TYPES.JwtClaimBasedRoutingWithoutRequestAuthN, vs, claim.path, claim.key, fullName(gw), w.name));
        }
      }
    }
  },
};
