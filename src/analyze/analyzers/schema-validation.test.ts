import assert from 'node:assert/strict';
import { it } from 'node:test';
import { analyzeYaml, runAnalyzerCases } from '../testing/analyzer-cases.js';
import { schemaValidationAnalyzer } from './schema-validation.js';

runAnalyzerCases(schemaValidationAnalyzer, [
  {
    name: 'reports a validation error at the field line',
    yaml: `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: g, namespace: default}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: []
`,
    expect: ['Error [IST0106] (Gateway default/g t.yaml:'],
  },
  {
    name: 'reports a known kind at an unserved version',
    yaml: `apiVersion: networking.istio.io/v9
kind: VirtualService
metadata: {name: r}
spec: {hosts: [a]}
`,
    expect: ['Error [IST0106] (VirtualService default/r t.yaml:1) Schema validation error: apiVersion: VirtualService is not served at version "v9"'],
  },
  {
    name: 'skips kinds Plexus does not know (ServiceAccount) and valid resources',
    yaml: `apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}]}]
`,
    expect: [],
  },
]);

it('maps unreachable-rule warnings to IST0130', () => {
  const got = analyzeYaml(schemaValidationAnalyzer, `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
`);
  assert.ok(got.some((m) => m.startsWith('Warning [IST0130] (VirtualService default/r t.yaml:8)')), got.join('\n'));
});
