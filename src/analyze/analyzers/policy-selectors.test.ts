import { pod } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { authenticationSelectorAnalyzer, authorizationPolicySelectorAnalyzer } from './policy-selectors.js';

const policy = (kind: string, group: string, ns: string, selector?: string): string => `apiVersion: ${group}/v1
kind: ${kind}
metadata: {name: p, namespace: ${ns}}
spec:
${selector ? `  selector: {matchLabels: {${selector}}}\n` : '  {}\n'}---
`;
const ap = (ns: string, selector?: string): string => policy('AuthorizationPolicy', 'security.istio.io', ns, selector).replace('  {}\n', '  action: ALLOW\n');

runAnalyzerCases(authorizationPolicySelectorAnalyzer, [
  {
    name: 'fires when the selector matches no workload in the namespace',
    yaml: ap('default', 'app: nope') + pod('p', 'default', 'app: reviews'),
    expect: ['Warning [IST0127] (AuthorizationPolicy default/p t.yaml:5) No workloads match this resource\'s labels: app=nope'],
  },
  {
    name: 'fires for a namespace-wide policy in a namespace without workloads',
    yaml: ap('empty') + pod('p', 'default', 'app: reviews'),
    expect: ['Warning [IST0127] (AuthorizationPolicy empty/p t.yaml:3)'],
  },
  {
    name: 'looks in every namespace for a root-namespace policy',
    yaml: ap('istio-system', 'app: reviews') + pod('p', 'default', 'app: reviews'),
    expect: [],
  },
  {
    name: 'accepts a selector matching a workload',
    yaml: ap('default', 'app: reviews') + pod('p', 'default', 'app: reviews'),
    expect: [],
  },
]);

runAnalyzerCases(authenticationSelectorAnalyzer, [
  {
    name: 'fires for Peer- and RequestAuthentication selectors matching nothing',
    yaml: policy('PeerAuthentication', 'security.istio.io', 'default', 'app: nope') + policy('RequestAuthentication', 'security.istio.io', 'default', 'app: none').replace('name: p,', 'name: r,') + pod('p', 'default', 'app: reviews'),
    expect: ['(PeerAuthentication default/p t.yaml:5) No workloads match this resource\'s labels: app=nope', '(RequestAuthentication default/r t.yaml:11)'],
  },
  {
    name: 'accepts selectors matching a WorkloadEntry',
    yaml: `${policy('PeerAuthentication', 'security.istio.io', 'default', 'app: vm')}apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: default}
spec: {address: 10.0.0.9, labels: {app: vm}}
`,
    expect: [],
  },
]);
