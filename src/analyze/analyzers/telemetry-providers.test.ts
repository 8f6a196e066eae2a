import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { telemetryProviderAnalyzer } from './telemetry-providers.js';

const telemetry = `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {name: logs, namespace: default}
spec:
  accessLogging:
  - disabled: false
`;

runAnalyzerCases(telemetryProviderAnalyzer, [
  {
    name: 'fires when access logging names no provider and the mesh has no default',
    yaml: telemetry,
    expect: ['Warning [IST0157] (Telemetry default/logs t.yaml:6) Telemetry logs in namespace "default" names no providers'],
  },
  {
    name: 'accepts it when the mesh config sets a default access-log provider',
    yaml: telemetry,
    options: { meshConfig: { defaultProviders: { accessLogging: ['envoy'] } } },
    expect: [],
  },
  {
    name: 'reads the mesh config from an istio ConfigMap in the input',
    yaml: `${telemetry}---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultProviders:
      accessLogging: [envoy]
`,
    expect: [],
  },
]);
