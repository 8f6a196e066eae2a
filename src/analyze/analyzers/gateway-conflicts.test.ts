import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { conflictingGatewayAnalyzer } from './gateway-conflicts.js';

const gw = (name: string, port: number, hosts: string, selector = 'istio: ingressgateway'): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
  selector: {${selector}}
  servers: [{port: {number: ${port}, name: http, protocol: HTTP}, hosts: [${hosts}]}]
---
`;

runAnalyzerCases(conflictingGatewayAnalyzer, [
  {
    name: 'fires on gateways with the same selector, port and overlapping hosts',
    yaml: gw('a', 80, '"*.example.com"') + gw('b', 80, 'shop.example.com'),
    expect: [
      'Error [IST0145] (Gateway default/a t.yaml:6) Conflicts with gateways default/b (workload selector istio=ingressgateway, port 80, hosts *.example.com).',
      'Error [IST0145] (Gateway default/b t.yaml:13) Conflicts with gateways default/a',
    ],
  },
  {
    name: 'accepts different ports, hosts or selectors',
    yaml: gw('a', 80, 'a.example.com') + gw('b', 443, 'a.example.com') + gw('c', 80, 'c.example.com') + gw('d', 80, 'a.example.com', 'istio: other'),
    expect: [],
  },
]);
