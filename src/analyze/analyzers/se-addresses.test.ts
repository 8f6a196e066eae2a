import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { protocolAddressesAnalyzer } from './se-addresses.js';

const se = (extra: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  resolution: DNS
${extra}`;

runAnalyzerCases(protocolAddressesAnalyzer, [
  {
    name: 'fires for TCP and unset-protocol ports without addresses',
    yaml: se('  ports:\n  - {number: 5432, name: tcp-pg, protocol: TCP}\n  - {number: 6000, name: other}\n  - {number: 80, name: http, protocol: HTTP}\n'),
    expect: ['Warning [IST0134] (ServiceEntry default/db t.yaml:8) This ServiceEntry needs addresses', 'Warning [IST0134] (ServiceEntry default/db t.yaml:9)'],
  },
  {
    name: 'accepts addresses, HTTP ports, or DNS auto-allocation',
    yaml: se('  addresses: [240.0.0.1]\n  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]\n'),
    expect: [],
  },
  {
    name: 'accepts TCP ports when the mesh auto-allocates addresses',
    yaml: se('  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]\n'),
    options: { meshConfig: { defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' } } } },
    expect: [],
  },
]);
