import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { gatewaySelectorAnalyzer } from './gateway-selector.js';

const gw = (selector: string): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {${selector}}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;

runAnalyzerCases(gatewaySelectorAnalyzer, [
  {
    name: 'fires when no gateway workload matches the selector',
    yaml: gw('istio: my-gateway'),
    expect: ['Error [IST0101] (Gateway default/gw t.yaml:5) Referenced selector not found: "istio=my-gateway"'],
  },
  {
    name: 'accepts the default ingress gateway assumed in files-only analysis',
    yaml: gw('istio: ingressgateway'),
    expect: [],
  },
  {
    name: 'does not assume the ingress gateway when the mesh turns ingress off',
    yaml: gw('istio: ingressgateway'),
    options: { meshConfig: { ingressControllerMode: 'OFF' } },
    expect: ['IST0101'],
  },
]);
