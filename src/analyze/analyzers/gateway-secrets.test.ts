import { makeTestAuthority, makeTestCredential } from '../../api/kinds/secret/testing-credentials.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { gatewaySecretAnalyzer } from './gateway-secrets.js';

const ca = await makeTestAuthority('analyzer-ca');
const good = await makeTestCredential(ca, ['shop.example.com']);
const stranger = await makeTestCredential(ca, ['other.example.com']);
const expired = await makeTestCredential(ca, ['old.example.com'], { expired: true });
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const gw = (mode = 'SIMPLE'): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: ${mode}, credentialName: shop-cert}
---
`;
const secret = (ns: string, data: Record<string, string>, name = 'shop-cert'): string => `apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: ${ns}}
type: Opaque
data: ${JSON.stringify(data)}
---
`;
const pair = (cert: string, key: string): Record<string, string> => ({ 'tls.crt': b64(cert), 'tls.key': b64(key) });

runAnalyzerCases(gatewaySecretAnalyzer, [
  {
    name: 'fires when the secret is not in the gateway workload namespace',
    yaml: gw() + secret('default', pair(good.certPem, good.keyPem)),
    expect: ['Error [IST0101] (Gateway default/gw t.yaml:9) Referenced credentialName not found: "shop-cert"'],
  },
  {
    name: 'accepts the secret next to the gateway workload',
    yaml: gw() + secret('istio-system', pair(good.certPem, good.keyPem)),
    expect: [],
  },
  {
    name: 'is skipped when the input holds no Secrets',
    yaml: gw(),
    expect: [],
  },
  {
    name: 'IST0161 for a Secret without certificate and key',
    yaml: gw() + secret('istio-system', { 'ca.crt': b64(ca.certPem) }),
    expect: ['Error [IST0161] (Gateway default/gw t.yaml:9) The credential used by Gateway gw in namespace default is invalid'],
  },
  {
    name: 'IST0161 for a key of another certificate',
    yaml: gw() + secret('istio-system', pair(good.certPem, stranger.keyPem)),
    expect: ['[IST0161]'],
  },
  {
    name: 'IST0161 for an expired certificate',
    yaml: gw() + secret('istio-system', pair(expired.certPem, expired.keyPem)),
    expect: ['[IST0161]'],
  },
  {
    name: 'IST0161 for MUTUAL without a CA',
    yaml: gw('MUTUAL') + secret('istio-system', pair(good.certPem, good.keyPem)),
    expect: ['[IST0161]'],
  },
  {
    name: 'MUTUAL with the CA in a NAME-cacert Secret',
    yaml: gw('MUTUAL') + secret('istio-system', pair(good.certPem, good.keyPem)) + secret('istio-system', { cacert: b64(ca.certPem) }, 'shop-cert-cacert'),
    expect: [],
  },
]);
