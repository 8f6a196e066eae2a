import { pod, service } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { virtualServiceDestinationHostAnalyzer } from './vs-destination-hosts.js';

const vs = (dest: string, extra = ''): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: ${dest}
${extra}---
`;

runAnalyzerCases(virtualServiceDestinationHostAnalyzer, [
  {
    name: 'fires when the host matches no Service or ServiceEntry',
    yaml: vs('{host: ratings}'),
    expect: ['Error [IST0101] (VirtualService default/r t.yaml:8) Referenced host not found: "ratings"'],
  },
  {
    name: 'resolves a short name against the VirtualService namespace',
    yaml: vs('{host: reviews}') + service('reviews', 'default', '[{name: http, port: 9080}]') + pod('p', 'default', 'app: reviews'),
    expect: [],
  },
  {
    name: 'does not resolve a short name from another namespace',
    yaml: vs('{host: reviews}') + service('reviews', 'other', '[{name: http, port: 9080}]'),
    expect: ['IST0101'],
  },
  {
    name: 'accepts an FQDN of a Service in another namespace',
    yaml: vs('{host: reviews.other.svc.cluster.local}') + service('reviews', 'other', '[{name: http, port: 9080}]'),
    expect: [],
  },
  {
    name: 'accepts external hosts covered by a wildcard ServiceEntry',
    yaml: vs('{host: api.example.com, port: {number: 443}}') + `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: ["*.example.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: NONE
`,
    expect: [],
  },
  {
    name: 'ignores a ServiceEntry exported only to another namespace',
    yaml: vs('{host: api.example.com}') + `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: other}
spec:
  hosts: [api.example.com]
  exportTo: ["."]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
`,
    expect: ['Referenced host not found: "api.example.com"'],
  },
  {
    name: 'requires a port when the service has several (IST0112)',
    yaml: vs('{host: reviews}') + service('reviews', 'default', '[{name: http, port: 9080}, {name: http-admin, port: 9090}]'),
    expect: ['Error [IST0112] (VirtualService default/r t.yaml:8) Destination "reviews" exposes several ports [9080 9090]'],
  },
  {
    name: 'reports a port the service does not have',
    yaml: vs('{host: reviews, port: {number: 8080}}') + service('reviews', 'default', '[{name: http, port: 9080}]'),
    expect: ['Referenced host:port not found: "reviews:8080"'],
  },
  {
    name: 'checks mirror hosts too',
    yaml: vs('{host: reviews}', '    mirror: {host: shadow}\n') + service('reviews', 'default', '[{name: http, port: 9080}]'),
    expect: ['Referenced mirror host not found: "shadow"'],
  },
]);
