import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { virtualServiceGatewayAnalyzer } from './vs-gateways.js';

const gateway = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web-gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.shop.example"]
---
`;

runAnalyzerCases(virtualServiceGatewayAnalyzer, [
  {
    name: 'fires when the referenced gateway does not exist',
    yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: shop}
spec:
  hosts: [front.shop.example]
  gateways:
  - mesh
  - missing-gw
  http:
  - route: [{destination: {host: front}}]
`,
    expect: ['Error [IST0101] (VirtualService shop/front t.yaml:8) Referenced gateway not found: "missing-gw"'],
  },
  {
    name: 'accepts a gateway in the same namespace and one named ns/name',
    yaml: `${gateway}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: other}
spec:
  hosts: [front.shop.example]
  gateways: [shop/web-gw]
`,
    expect: [],
  },
  {
    name: 'warns (IST0132) when no VirtualService host is served by the gateway',
    yaml: `${gateway}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: shop}
spec:
  hosts: [front.elsewhere.example]
  gateways: [web-gw]
`,
    expect: ['Warning [IST0132] (VirtualService shop/front t.yaml:15) Hosts [front.elsewhere.example] of VirtualService shop/front are not served by Gateway shop/web-gw'],
  },
  {
    name: 'respects namespace-restricted gateway hosts',
    yaml: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["team-a/*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: team-b}
spec:
  hosts: [b.example]
  gateways: [edge/gw]
`,
    expect: ['IST0132'],
  },
]);
