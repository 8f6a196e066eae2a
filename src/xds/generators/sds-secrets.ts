import { packAny } from '../protos.js';
import type { ProtoObject } from '../protos.js';
import type { Generator, GeneratedResource } from './generator.js';
import { SDS_ROOTCA } from './cluster-tls.js';
import { credentialRefusal, parseCredentialName, reportCredentialProblem, reportUnverifiedCredentialRequest, resolveCredential, UNVERIFIED_REFUSAL } from './credential-resolver.js';

const SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';

const inline = (text: string): ProtoObject => ({ inline_bytes: Buffer.from(text, 'utf8') });

/**
 * SDS over ADS from the controller:
 * - `ROOTCA`, the trust bundle (every root a workload must trust now: the CA's, a rotation's
 *   new and old roots during the overlap, and MeshConfig `caCertificates` trust anchors).
 *   Sidecars normally get it from their agent through `sds-grpc`, as in Istio.
 * - `kubernetes://NAME` and `kubernetes://NAME-cacert`: Secrets named by a Gateway's or a
 *   DestinationRule's `credentialName`, to the proxies Istio serves them to (see
 *   credential-resolver.ts). A refused or missing one is left out and logged, never an error
 *   for the rest: the proxy's TLS context stays unready and its handshakes fail.
 *
 * `default` (the workload's certificate and key) is never generated here: a private key must not
 * leave the workload, and the controller never holds one. A request for it gets nothing.
 */
export const sdsSecrets: Generator = (push, proxy, names) => {
  const out: GeneratedResource[] = [];
  const bundle = push.trustBundlePem;
  // Wildcard subscriptions are not a thing for SDS; treat them as "the trust bundle only".
  if (bundle && (names === undefined || names.includes(SDS_ROOTCA))) {
    out.push({ name: SDS_ROOTCA, resource: packAny(SECRET, { name: SDS_ROOTCA, validation_context: { trusted_ca: inline(bundle) } }) });
  }
  const unverified: string[] = [];
  for (const name of names ?? []) {
    const ref = parseCredentialName(name, proxy.namespace);
    if (!ref) continue;
    const refusal = credentialRefusal(push, proxy, ref);
    if (refusal === UNVERIFIED_REFUSAL) {
      unverified.push(name);
      continue;
    }
    if (refusal) {
      reportCredentialProblem(proxy, name, `refused: ${refusal}`);
      continue;
    }
    const material = resolveCredential(push, ref);
    if (typeof material === 'string') {
      reportCredentialProblem(proxy, name, material);
      continue;
    }
    const secret: ProtoObject = material.kind === 'keyCert'
      ? { name, tls_certificate: { certificate_chain: inline(material.value.certificateChain), private_key: inline(material.value.privateKey) } }
      : { name, validation_context: { trusted_ca: inline(material.value.trustedCa), ...(material.value.crl ? { crl: inline(material.value.crl) } : {}) } };
    out.push({ name, resource: packAny(SECRET, secret) });
  }
  if (unverified.length > 0) reportUnverifiedCredentialRequest(proxy, unverified);
  return out;
};
