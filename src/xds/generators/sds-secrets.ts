import { packAny } from '../protos.js';
import type { Generator } from './generator.js';
import { SDS_ROOTCA } from './cluster-tls.js';

const SECRET = 'envoy.extensions.transport_sockets.tls.v3.Secret';

/**
 * SDS over ADS from the controller: only the trust bundle, `ROOTCA` (every root a workload must
 * trust now: the CA's, a rotation's new and old roots during the overlap, and MeshConfig
 * `caCertificates` trust anchors, e.g. for trust domain aliases). Sidecars normally get it from
 * their agent through `sds-grpc`, as in Istio; this serves proxies that ask the controller.
 *
 * `default` (the workload's certificate and key) is never generated here: a private key must not
 * leave the workload, and the controller never holds one. A request for it gets nothing.
 */
export const sdsSecrets: Generator = (push, _proxy, names) => {
  const bundle = push.trustBundlePem;
  if (!bundle) return [];
  // Wildcard subscriptions are not a thing for SDS; treat them as "what you may have".
  if (names !== undefined && !names.includes(SDS_ROOTCA)) return [];
  return [{
    name: SDS_ROOTCA,
    resource: packAny(SECRET, { name: SDS_ROOTCA, validation_context: { trusted_ca: { inline_bytes: Buffer.from(bundle) } } }),
  }];
};
