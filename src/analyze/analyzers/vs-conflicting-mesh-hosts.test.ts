import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { conflictingMeshGatewayHostsAnalyzer } from './vs-conflicting-mesh-hosts.js';

const vs = (name: string, ns: string, host: string, extra = ''): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${host}]
${extra}---
`;

runAnalyzerCases(conflictingMeshGatewayHostsAnalyzer, [
  {
    name: 'fires on both VirtualServices claiming the same host for the mesh',
    yaml: vs('a', 'default', 'reviews') + vs('b', 'default', 'reviews.default.svc.cluster.local'),
    expect: [
      'Error [IST0109] (VirtualService default/a t.yaml:3) VirtualServices default/a,default/b bound to the mesh gateway all define host reviews.default.svc.cluster.local',
      'Error [IST0109] (VirtualService default/b',
    ],
  },
  {
    name: 'ignores VirtualServices bound only to gateways',
    yaml: vs('a', 'default', 'reviews') + vs('b', 'default', 'reviews', '  gateways: [edge]\n'),
    expect: [],
  },
  {
    name: 'ignores VirtualServices exported to different namespaces',
    yaml: vs('a', 'default', 'reviews.default.svc.cluster.local', '  exportTo: ["."]\n') + vs('b', 'other', 'reviews.default.svc.cluster.local', '  exportTo: ["."]\n'),
    expect: [],
  },
]);
