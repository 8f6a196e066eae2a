import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { jwtClaimRouteAnalyzer } from './vs-jwt-claim-route.js';

const base = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: claims, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route: [{destination: {host: admin}}]
---
`;

runAnalyzerCases(jwtClaimRouteAnalyzer, [
  {
    name: 'fires when no RequestAuthentication covers the gateway pods',
    yaml: base,
    expect: ['Error [IST0149] (VirtualService default/claims t.yaml:16) Routing on JWT claim @request.auth.claims.group needs a RequestAuthentication for the pods of gateway istio-system/gw, but pod istio-ingressgateway-dummypod has none'],
  },
  {
    name: 'accepts a RequestAuthentication in the root namespace selecting the gateway',
    yaml: `${base}apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: "https://issuer.example"}]
`,
    expect: [],
  },
]);
