// Translation of what credentialName brings to the proxy: SDS secrets (certificate, CA with a
// CRL) and the TLS contexts naming them, including the pins Envoy checks on client certificates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SecretConfig } from '../config/model.js';
import { FieldPath, InvalidResourceError } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import type { TranslateContext } from './translate-context.js';
import { translateSecret } from './translate-secret.js';
import { translateDownstreamSocket, translateUpstreamSocket } from './translate-tls.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const CRL = '-----BEGIN X509 CRL-----\nMIIC\n-----END X509 CRL-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const ctx = (): TranslateContext => ({ readFile: () => { throw new Error('no files here'); }, inlineSecrets: new Map<string, SecretConfig>() });
const DOWNSTREAM = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const ads = { ads: {} };

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidResourceError, String(err));
    return err.message;
  }
  assert.fail('expected the translation to fail');
}

describe('SDS credentials on the proxy', () => {
  it('a certificate with its key, and a CA with its CRL', () => {
    const at = new FieldPath('Secret "kubernetes://gw"');
    assert.deepEqual(translateSecret({ name: 'kubernetes://gw', tls_certificate: { certificate_chain: { inline_bytes: b64(CERT) }, private_key: { inline_bytes: b64(KEY) } } }, at, ctx()), { name: 'kubernetes://gw', certificateChain: CERT, privateKey: KEY });
    assert.deepEqual(translateSecret({ name: 'kubernetes://gw-cacert', validation_context: { trusted_ca: { inline_bytes: b64(CERT) }, crl: { inline_bytes: b64(CRL) } } }, at, ctx()), { name: 'kubernetes://gw-cacert', trustedCa: CERT, crl: CRL });
  });

  it('refuses what it would not enforce, naming the field', () => {
    const at = new FieldPath('Secret "kubernetes://gw-cacert"');
    assert.match(failure(() => translateSecret({ name: 'x', validation_context: { trusted_ca: { inline_bytes: b64(CERT) }, crl: { inline_bytes: b64('nope') } } }, at, ctx())), /validation_context\.crl: not a PEM certificate revocation list/);
    assert.match(failure(() => translateSecret({ name: 'x', validation_context: { trusted_ca: { inline_bytes: b64(CERT) }, trust_chain_verification: 'ACCEPT_UNTRUSTED' } }, at, ctx())), /validation_context\.trust_chain_verification: not supported/);
  });

  it('a gateway MUTUAL context: SDS names, required client certificate, pins normalised', () => {
    const hash = 'AB:'.repeat(31) + 'AB';
    const spki = Buffer.alloc(32, 7).toString('base64');
    const socket: ProtoJson = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': DOWNSTREAM,
        require_client_certificate: { value: true },
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'kubernetes://gw', sds_config: ads }],
          combined_validation_context: { default_validation_context: { verify_certificate_hash: [hash], verify_certificate_spki: [spki] }, validation_context_sds_secret_config: { name: 'kubernetes://gw-cacert', sds_config: ads } },
        },
      },
    };
    const tls = translateDownstreamSocket(socket, new FieldPath('Listener "0.0.0.0_443"'), ctx())!;
    assert.deepEqual(tls.certificateSecrets, ['kubernetes://gw']);
    assert.equal(tls.validationSecret, 'kubernetes://gw-cacert');
    assert.equal(tls.requireClientCertificate, true);
    assert.deepEqual(tls.verifyCertificateHash, ['ab'.repeat(32)]);
    assert.deepEqual(tls.verifyCertificateSpki, [spki]);
  });

  it('malformed pins are refused; pins on upstream TLS are refused rather than ignored', () => {
    const downstream = (validation: ProtoJson): ProtoJson => ({ typed_config: { '@type': DOWNSTREAM, common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'kubernetes://gw' }], validation_context: validation } } });
    assert.match(failure(() => translateDownstreamSocket(downstream({ verify_certificate_hash: ['xyz'] }), new FieldPath('L'), ctx())), /validation_context\.verify_certificate_hash\[0\]: expected the hex SHA-256/);
    assert.match(failure(() => translateDownstreamSocket(downstream({ verify_certificate_spki: ['c2hvcnQ='] }), new FieldPath('L'), ctx())), /validation_context\.verify_certificate_spki\[0\]: expected the base64 SHA-256/);
    const upstream: ProtoJson = { typed_config: { '@type': UPSTREAM, common_tls_context: { validation_context: { trusted_ca: { inline_bytes: b64(CERT) }, verify_certificate_hash: ['ab'.repeat(32)] } } } };
    assert.match(failure(() => translateUpstreamSocket(upstream, new FieldPath('Cluster "c"'), ctx())), /supported on downstream TLS only/);
  });

  it('a DestinationRule MUTUAL context: client certificate and CA from SDS, verification on', () => {
    const socket: ProtoJson = {
      typed_config: {
        '@type': UPSTREAM,
        sni: 'db.example.test',
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'kubernetes://db-client', sds_config: ads }],
          combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: { name: 'kubernetes://db-client-cacert', sds_config: ads } },
        },
      },
    };
    const tls = translateUpstreamSocket(socket, new FieldPath('Cluster "c"'), ctx())!;
    assert.deepEqual([tls.certificateSecrets, tls.validationSecret, tls.sni, tls.insecureSkipVerify, tls.istioMutual], [['kubernetes://db-client'], 'kubernetes://db-client-cacert', 'db.example.test', false, false]);
  });
});
