import { pod } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { sidecarDefaultSelectorAnalyzer, sidecarSelectorAnalyzer } from './sidecar-selectors.js';

const sidecar = (name: string, selector?: string): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: default}
spec:
${selector ? `  workloadSelector: {labels: {${selector}}}\n` : ''}  egress: [{hosts: ["./*"]}]
---
`;

runAnalyzerCases(sidecarSelectorAnalyzer, [
  {
    name: 'fires when the selector matches no workload in the namespace',
    yaml: sidecar('s', 'app: ratings') + pod('p', 'default', 'app: reviews') + pod('q', 'other', 'app: ratings'),
    expect: ['Error [IST0101] (Sidecar default/s t.yaml:5) Referenced selector not found: "app=ratings"'],
  },
  {
    name: 'fires IST0110 on Sidecars selecting the same pod',
    yaml: sidecar('a', 'app: reviews') + sidecar('b', 'version: v1') + pod('p', 'default', 'app: reviews, version: v1'),
    expect: ['Error [IST0110] (Sidecar default/a t.yaml:3) Sidecars [default/a default/b] in namespace "default" all select workload pod "p"', 'Error [IST0110] (Sidecar default/b'],
  },
  {
    name: 'accepts a selector matching a Deployment pod template',
    yaml: `${sidecar('s', 'app: reviews')}apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: app, image: x}]}
`,
    expect: [],
  },
  {
    name: 'is skipped when the input holds no workloads',
    yaml: sidecar('s', 'app: ratings'),
    expect: [],
  },
]);

runAnalyzerCases(sidecarDefaultSelectorAnalyzer, [
  {
    name: 'fires on two selector-less Sidecars in one namespace',
    yaml: sidecar('a') + sidecar('b'),
    expect: ['Error [IST0111] (Sidecar default/a t.yaml:3) Sidecars [default/a default/b] in namespace "default" have no workload selector', 'Error [IST0111] (Sidecar default/b'],
  },
  {
    name: 'accepts one selector-less Sidecar per namespace',
    yaml: sidecar('a') + sidecar('b', 'app: x'),
    expect: [],
  },
]);
