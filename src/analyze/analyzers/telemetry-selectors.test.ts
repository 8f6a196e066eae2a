import { pod } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { telemetryDefaultSelectorAnalyzer, telemetrySelectorAnalyzer } from './telemetry-selectors.js';

const telemetry = (name: string, selector?: string): string => `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: ${name}, namespace: default}
spec:
${selector ? `  selector: {matchLabels: {${selector}}}\n` : ''}  tracing: [{randomSamplingPercentage: 10}]
---
`;

runAnalyzerCases(telemetrySelectorAnalyzer, [
  {
    name: 'fires when the selector matches no workload',
    yaml: telemetry('t', 'app: nope') + pod('p', 'default', 'app: reviews'),
    expect: ['Error [IST0101] (Telemetry default/t t.yaml:5) Referenced selector not found: "app=nope"'],
  },
  {
    name: 'fires IST0159 on Telemetries selecting the same pod',
    yaml: telemetry('a', 'app: reviews') + telemetry('b', 'app: reviews') + pod('p', 'default', 'app: reviews'),
    expect: ['Error [IST0159] (Telemetry default/a t.yaml:3) Telemetries [default/a default/b] in namespace "default" all select workload pod "p"', 'Error [IST0159] (Telemetry default/b'],
  },
  {
    name: 'accepts a selector matching one pod',
    yaml: telemetry('a', 'app: reviews') + pod('p', 'default', 'app: reviews'),
    expect: [],
  },
]);

runAnalyzerCases(telemetryDefaultSelectorAnalyzer, [
  {
    name: 'fires on two selector-less Telemetries in one namespace',
    yaml: telemetry('a') + telemetry('b'),
    expect: ['Error [IST0160] (Telemetry default/a t.yaml:3) Telemetries [default/a default/b] in namespace "default" have no workload selector', 'Error [IST0160] (Telemetry default/b'],
  },
  {
    name: 'accepts one selector-less Telemetry per namespace',
    yaml: telemetry('a') + telemetry('b', 'app: x'),
    expect: [],
  },
]);
