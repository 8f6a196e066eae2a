import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { deprecationAnalyzer } from './deprecation.js';

runAnalyzerCases(deprecationAnalyzer, [
  {
    name: 'fires on VirtualService mirrorPercent and fault.delay.percent',
    yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - mirrorPercent: 10
    fault: {delay: {percent: 5, fixedDelay: 1s}}
    route: [{destination: {host: reviews}}]
`,
    expect: [
      'Warning [IST0002] (VirtualService default/r t.yaml:7) Deprecated: HTTPRoute.mirrorPercent is deprecated; use HTTPRoute.mirrorPercentage instead',
      'Deprecated: HTTPRoute.fault.delay.percent is deprecated; use HTTPRoute.fault.delay.percentage instead',
    ],
  },
  {
    name: 'fires on DestinationRule consecutiveErrors at rule, port and subset level',
    yaml: `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {consecutiveErrors: 5}
    portLevelSettings:
    - port: {number: 80}
      outlierDetection: {consecutiveErrors: 3}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer: {consistentHash: {minimumRingSize: 1024, httpHeaderName: x}}
`,
    expect: ['t.yaml:7) Deprecated: OutlierDetection.consecutiveErrors', 't.yaml:10) Deprecated: OutlierDetection.consecutiveErrors', 't.yaml:15) Deprecated: ConsistentHashLB.minimumRingSize'],
  },
  {
    name: 'fires on Sidecar outboundTrafficPolicy.egressProxy',
    yaml: `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s, namespace: default}
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
    egressProxy: {host: egress.example, port: {number: 80}}
`,
    expect: ['Deprecated: OutboundTrafficPolicy.egressProxy is ignored'],
  },
  {
    name: 'stays quiet on current fields',
    yaml: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
  - mirrorPercentage: {value: 10}
    fault: {delay: {percentage: {value: 5}, fixedDelay: 1s}}
    route: [{destination: {host: reviews}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 5}}
`,
    expect: [],
  },
]);
