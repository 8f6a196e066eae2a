import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { unreachableRulesAnalyzer } from './vs-unreachable-rules.js';

const vs = (http: string): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http:
${http}`;

runAnalyzerCases(unreachableRulesAnalyzer, [
  {
    name: 'fires on a second rule without matches',
    yaml: vs(`  - route: [{destination: {host: reviews}}]
  - name: late
    route: [{destination: {host: reviews}}]
`),
    expect: ['Warning [IST0130] (VirtualService default/r t.yaml:8) VirtualService rule "late" is never used (only the last rule may have no match).'],
  },
  {
    name: 'reports duplicate matches (IST0131) and a rule whose matches are all taken (IST0130)',
    yaml: vs(`  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /a}, name: again}]
    route: [{destination: {host: reviews}}]
`),
    expect: [
      'Info [IST0131] (VirtualService default/r t.yaml:9) VirtualService rule #1 match "again" is never used (rule #0 has the same match).',
      'Warning [IST0130] (VirtualService default/r t.yaml:9) VirtualService rule #1 is never used (every match is used by an earlier rule).',
    ],
  },
  {
    name: 'accepts distinct matches followed by one catch-all',
    yaml: vs(`  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /b}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
`),
    expect: [],
  },
]);
