import type { Analyzer } from '../analyzer.js';
import { arr, obj, q, str, stringMap } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { matchingWorkloads } from '../workloads.js';

/**
 * IST0101 (`credentialName`) when a Gateway server's TLS secret is not in the namespace of the
 * gateway workloads. Runs only when the input contains Secrets: config-only files never do.
 */
export const gatewaySecretAnalyzer: Analyzer = {
  name: 'gateway.SecretAnalyzer',
  description: 'Checks a gateway\'s referenced secrets for correctness',
  analyze(ctx) {
    const secrets = ctx.list('Secret');
    if (secrets.length === 0) return;
    for (const gw of ctx.list('Gateway')) {
      const workloads = matchingWorkloads(ctx.workloads(), stringMap(gw.spec.selector));
      const namespaces = workloads.length > 0 ? new Set(workloads.map((w) => w.namespace)) : new Set([gw.namespace]);
      arr(gw.spec.servers).forEach((s, i) => {
        const cn = str(obj(obj(s)?.tls)?.credentialName);
        if (!cn) return;
        const name = cn.replace(/^kubernetes:\/\//, '');
        if ([...namespaces].some((ns) => ctx.find('Secret', ns, name))) return;
        ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, gw, `spec.servers[${i}].tls.credentialName`, 'credentialName', q(cn)));
      });
    }
  },
};
