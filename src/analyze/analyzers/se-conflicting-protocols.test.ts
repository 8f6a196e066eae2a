import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { conflictingServiceEntryProtocolAnalyzer } from './se-conflicting-protocols.js';

const se = (name: string, protocol: string, exportTo = ''): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: p, protocol: ${protocol}}]
  resolution: DNS
${exportTo}---
`;

runAnalyzerCases(conflictingServiceEntryProtocolAnalyzer, [
  {
    name: 'fires on each ServiceEntry giving one host and port different protocols',
    yaml: se('a', 'TLS') + se('b', 'HTTPS'),
    expect: [
      'Warning [IST0177] (ServiceEntry default/a t.yaml:3) ServiceEntries default/a, default/b define host api.example.com port 443 with different protocols: HTTPS, TLS.',
      'Warning [IST0177] (ServiceEntry default/b',
    ],
  },
  {
    name: 'accepts the same protocol in any case',
    yaml: se('a', 'TLS') + se('b', 'tls'),
    expect: [],
  },
  {
    name: 'accepts different protocols in separate namespace scopes',
    yaml: se('a', 'TLS', '  exportTo: ["."]\n') + se('c', 'HTTPS', '  exportTo: ["."]\n').replace('name: c, namespace: default', 'name: c, namespace: x'),
    expect: [],
  },
  {
    name: 'an entry exported everywhere conflicts with one local to a namespace',
    yaml: se('a', 'TLS') + se('c', 'HTTPS', '  exportTo: ["."]\n').replace('name: c, namespace: default', 'name: c, namespace: x'),
    expect: ['(ServiceEntry default/a', '(ServiceEntry x/c'],
  },
]);
