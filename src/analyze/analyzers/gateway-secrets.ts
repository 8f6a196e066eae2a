import { caOf, keyCertOf, parseCertificates, parsePrivateKey } from '../../api/kinds/secret/tls-material.js';
import type { SecretContent } from '../../api/kinds/secret/types.js';
import type { Analyzer } from '../analyzer.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj, q, str, stringMap } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { matchingWorkloads } from '../workloads.js';

/** Why a Secret cannot serve as a gateway credential (`mutual`: the CA is needed too), or undefined. */
function credentialProblem(secret: ResourceEntry, mutual: boolean, caSecret: ResourceEntry | undefined): string | undefined {
  const content = secret.resource as unknown as SecretContent;
  const kc = keyCertOf(content);
  if (typeof kc === 'string') return kc;
  const certs = parseCertificates(kc.certificateChain);
  if (typeof certs === 'string') return certs;
  const key = parsePrivateKey(kc.privateKey);
  if (typeof key === 'string') return key;
  if (!certs[0]!.checkPrivateKey(key)) return 'the private key does not belong to the certificate';
  if (Date.parse(certs[0]!.validTo) < Date.now()) return 'the certificate has expired';
  if (mutual && typeof caOf((caSecret ?? secret).resource as unknown as SecretContent) === 'string') return 'MUTUAL needs a CA: ca.crt/cacert in the Secret or a NAME-cacert Secret';
  return undefined;
}

/**
 * IST0101 (`credentialName`) when a Gateway server's TLS secret is not in the namespace of the
 * gateway workloads; IST0161 when it is there but unusable (no certificate and key, PEM that
 * does not parse, a key of another certificate, expired, or MUTUAL without a CA). Runs only when
 * the input contains Secrets: config-only files never do.
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
        const tls = obj(obj(s)?.tls);
        const cn = str(tls?.credentialName);
        if (!cn) return;
        const name = cn.replace(/^kubernetes:\/\//, '');
        const ns = [...namespaces].find((n) => ctx.find('Secret', n, name));
        if (!ns) {
          ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, gw, `spec.servers[${i}].tls.credentialName`, 'credentialName', q(cn)));
          return;
        }
        const mutual = str(tls?.mode) === 'MUTUAL' || str(tls?.mode) === 'OPTIONAL_MUTUAL';
        if (credentialProblem(ctx.find('Secret', ns, name)!, mutual, ctx.find('Secret', ns, `${name}-cacert`))) {
          ctx.report(newMessage(MESSAGE_TYPES.InvalidGatewayCredential, gw, `spec.servers[${i}].tls.credentialName`, gw.name, gw.namespace));
        }
      });
    }
  },
};
