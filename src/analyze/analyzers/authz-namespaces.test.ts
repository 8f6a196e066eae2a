import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { authorizationPolicyNamespaceAnalyzer } from './authz-namespaces.js';

const ap = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: default}
spec:
  rules:
  - from:
    - source: {namespaces: [frontend, "team-*"], notNamespaces: [legacy]}
---
`;
const ns = (name: string): string => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}}
---
`;

runAnalyzerCases(authorizationPolicyNamespaceAnalyzer, [
  {
    name: 'fires for namespaces that do not exist',
    yaml: ap + ns('frontend'),
    expect: [
      'Error [IST0101] (AuthorizationPolicy default/allow t.yaml:7) Referenced namespace not found: "team-*"',
      'Referenced namespace not found: "legacy"',
    ],
  },
  {
    name: 'accepts existing namespaces and matching patterns',
    yaml: ap + ns('frontend') + ns('team-a') + ns('legacy'),
    expect: [],
  },
  {
    name: 'is skipped when the input declares no Namespaces',
    yaml: ap,
    expect: [],
  },
]);
