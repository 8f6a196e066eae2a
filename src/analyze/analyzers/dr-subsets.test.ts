import { pod, service } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { subsetSelectPodAnalyzer } from './dr-subsets.js';

const dr = (host: string, subsets = ''): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d, namespace: default}
spec:
  host: ${host}
${subsets}---
`;
const subsets = '  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: v2}\n';

runAnalyzerCases(subsetSelectPodAnalyzer, [
  {
    name: 'fires IST0174 when the host matches no service',
    yaml: dr('ratings'),
    expect: ['Warning [IST0174] (DestinationRule default/d t.yaml:5) Host ratings of this DestinationRule matches no service in the mesh.'],
  },
  {
    name: 'fires IST0173 for a subset selecting none of the service\'s pods',
    yaml: dr('reviews', subsets) + service('reviews', 'default', '[{name: http, port: 9080}]') + pod('r1', 'default', 'app: reviews, version: v1') + pod('o2', 'default', 'app: other, version: v2'),
    expect: ['Error [IST0173] (DestinationRule default/d t.yaml:9) Subset "v2" of this DestinationRule selects no workloads'],
  },
  {
    name: 'accepts subsets that select pods of the service',
    yaml: dr('reviews', subsets) + service('reviews', 'default', '[{name: http, port: 9080}]') + pod('r1', 'default', 'app: reviews, version: v1') + pod('r2', 'default', 'app: reviews, version: v2'),
    expect: [],
  },
  {
    name: 'does not judge subsets when the input has no workloads',
    yaml: dr('reviews', subsets) + service('reviews', 'default', '[{name: http, port: 9080}]'),
    expect: [],
  },
  {
    name: 'accepts a wildcard host covering a known service, and checks ServiceEntry endpoint labels',
    yaml: `${dr('"*.default.svc.cluster.local"')}${service('reviews', 'default', '[{name: http, port: 9080}]')}apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vm, namespace: default}
spec:
  hosts: [vm.example]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: vm, namespace: default}
spec:
  host: vm.example
${subsets}`,
    expect: ['Error [IST0173] (DestinationRule default/vm', 'Subset "v2"'].slice(0, 1),
  },
]);
