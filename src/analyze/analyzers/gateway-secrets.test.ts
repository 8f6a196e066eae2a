import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { gatewaySecretAnalyzer } from './gateway-secrets.js';

const gw = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
---
`;
const secret = (ns: string): string => `apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: ${ns}}
type: kubernetes.io/tls
data: {tls.crt: eA==, tls.key: eA==}
`;

runAnalyzerCases(gatewaySecretAnalyzer, [
  {
    name: 'fires when the secret is not in the gateway workload namespace',
    yaml: gw + secret('default'),
    expect: ['Error [IST0101] (Gateway default/gw t.yaml:9) Referenced credentialName not found: "shop-cert"'],
  },
  {
    name: 'accepts the secret next to the gateway workload',
    yaml: gw + secret('istio-system'),
    expect: [],
  },
  {
    name: 'is skipped when the input holds no Secrets',
    yaml: gw,
    expect: [],
  },
]);
