import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { virtualServiceDestinationRuleAnalyzer } from './vs-destination-rules.js';

const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v2}
---
`;

runAnalyzerCases(virtualServiceDestinationRuleAnalyzer, [
  {
    name: 'fires when no DestinationRule defines the subset',
    yaml: vs,
    expect: ['Error [IST0101] (VirtualService default/r t.yaml:8) Referenced host+subset in destinationrule not found: "reviews+v2"'],
  },
  {
    name: 'accepts a subset defined by a DestinationRule using the FQDN',
    yaml: `${vs}apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: other}
spec:
  host: reviews.default.svc.cluster.local
  subsets: [{name: v2, labels: {version: v2}}]
`,
    expect: [],
  },
  {
    name: 'fires when the rule only defines other subsets',
    yaml: `${vs}apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
`,
    expect: ['"reviews+v2"'],
  },
]);
