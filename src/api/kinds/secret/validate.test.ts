import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { validateResource } from '../../validate.js';
import { runValidationCases } from '../../testing/validation-cases.js';
import { makeTestAuthority, makeTestCredential } from './testing-credentials.js';

const ca = await makeTestAuthority('secret-test-ca');
const other = await makeTestAuthority('other-ca');
const good = await makeTestCredential(ca, ['shop.example.com']);
const stranger = await makeTestCredential(other, ['shop.example.com']);
const expired = await makeTestCredential(ca, ['old.example.com'], { expired: true });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const secret = (body: Record<string, unknown>): string => stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-cert', namespace: 'istio-system' }, ...body });
const tls = (crt: string, key: string, extra: Record<string, string> = {}): string => secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64(crt), 'tls.key': b64(key), ...extra } });

runValidationCases('Secret', [
  { name: 'kubernetes.io/tls with tls.crt and tls.key', valid: true, noWarnings: true, yaml: tls(good.certPem, good.keyPem) },
  { name: 'kubernetes.io/tls with ca.crt (gateway MUTUAL)', valid: true, noWarnings: true, yaml: tls(good.certPem, good.keyPem, { 'ca.crt': b64(ca.certPem) }) },
  { name: 'Opaque in the generic layout (cert, key, cacert)', valid: true, noWarnings: true, yaml: secret({ type: 'Opaque', data: { cert: b64(good.certPem), key: b64(good.keyPem), cacert: b64(ca.certPem) } }) },
  { name: 'generic with tls.* keys and no type', valid: true, noWarnings: true, yaml: secret({ data: { 'tls.crt': b64(good.certPem), 'tls.key': b64(good.keyPem) } }) },
  { name: 'a CA-only secret (NAME-cacert)', valid: true, noWarnings: true, yaml: secret({ data: { 'ca.crt': b64(ca.certPem) } }) },
  { name: 'stringData in plain text', valid: true, noWarnings: true, yaml: secret({ type: 'kubernetes.io/tls', stringData: { 'tls.crt': good.certPem, 'tls.key': good.keyPem } }) },
  { name: 'an Opaque secret without TLS keys', valid: true, noWarnings: true, yaml: secret({ data: { password: b64('hunter2') } }) },
  { name: 'kubernetes.io/tls without tls.key', valid: false, error: 'data["tls.key"]: a kubernetes.io/tls Secret requires the key "tls.key"', yaml: secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64(good.certPem) } }) },
  { name: 'data that is not base64', valid: false, error: 'data["tls.crt"]: data values must be base64-encoded', yaml: secret({ data: { 'tls.crt': 'not base64!' } }) },
  { name: 'a certificate that is not PEM', valid: false, error: 'data["tls.crt"]: not a PEM certificate', yaml: tls('hello', good.keyPem) },
  { name: 'a PEM block that is not X.509', valid: false, error: 'data["tls.crt"]: certificate 1 of 1 in the PEM bundle does not parse as X.509', yaml: tls('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', good.keyPem) },
  { name: 'a key that is not PEM', valid: false, error: 'data["tls.key"]: not a PEM private key', yaml: tls(good.certPem, 'secret-key-bytes') },
  { name: 'a corrupt PEM key', valid: false, error: 'data["tls.key"]: the PEM private key does not parse', yaml: tls(good.certPem, '-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n') },
  { name: 'a key of another certificate', valid: false, error: 'data["tls.key"]: the private key does not belong to the certificate in "tls.crt"', yaml: tls(good.certPem, stranger.keyPem) },
  { name: 'a generic key of another certificate, in stringData', valid: false, error: 'stringData.key: the private key does not belong to the certificate in "cert"', yaml: secret({ stringData: { cert: good.certPem, key: stranger.keyPem } }) },
  { name: 'a CA bundle that is not PEM', valid: false, error: 'data["ca.crt"]: not a PEM certificate', yaml: secret({ data: { 'ca.crt': b64('nope') } }) },
  { name: 'a CRL that is not PEM', valid: false, error: 'data["ca.crl"]: not a PEM certificate revocation list', yaml: secret({ data: { 'ca.crt': b64(ca.certPem), 'ca.crl': b64('nope') } }) },
  { name: 'an expired certificate', valid: true, warning: /data\["tls.crt"\]: the certificate expired on/, yaml: tls(expired.certPem, expired.keyPem) },
  { name: 'a certificate without its key in an Opaque secret', valid: true, warning: 'data.cert: "key" is missing or empty', yaml: secret({ data: { cert: b64(good.certPem) } }) },
  { name: 'a CA bundle of leaf certificates', valid: true, warning: 'data.cacert: no certificate in this bundle is a CA certificate', yaml: secret({ data: { cacert: b64(good.certPem) } }) },
  { name: 'a key with a slash', valid: false, error: 'data["tls/crt"]: invalid key', yaml: secret({ data: { 'tls/crt': b64('x') } }) },
  { name: 'a non-string value', valid: false, error: 'data.cert: expected a string', yaml: secret({ data: { cert: 12 } }) },
  { name: 'an unknown top-level field', valid: false, error: 'spec2: unknown field', yaml: secret({ spec2: {} }) },
]);

describe('Secret validation never echoes key material', () => {
  it('no diagnostic contains any part of a key, whatever is wrong', () => {
    const docs = [
      tls(good.certPem, stranger.keyPem),
      tls('garbage-cert-value', 'garbage-key-value'),
      tls(good.certPem, '-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n'),
      secret({ data: { 'tls.key': 'bm90IGEga2V5!!' } }),
    ];
    let diagnostics = 0;
    for (const doc of docs) {
      for (const d of validateResource(parse(doc)).diagnostics) {
        diagnostics++;
        const text = `${d.path} ${d.message}`;
        for (const needle of ['garbage', 'U0VDUkVU', 'SECRET', 'bm90IGEga2V5', stranger.keyPem.split('\n')[1]!.slice(0, 16), good.certPem.split('\n')[1]!.slice(0, 16)]) {
          assert.ok(!text.includes(needle), `diagnostic quotes material: ${text}`);
        }
      }
    }
    assert.ok(diagnostics >= 4, `expected a diagnostic per document, got ${diagnostics}`);
  });
});

