import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { caCertificateAnalyzer } from './dr-ca-certificates.js';

const dr = (policy: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: api.example.com
  trafficPolicy:
${policy}`;

runAnalyzerCases(caCertificateAnalyzer, [
  {
    name: 'fires at rule level for SIMPLE without caCertificates',
    yaml: dr('    tls: {mode: SIMPLE}\n'),
    expect: ['Warning [IST0128] (DestinationRule default/ext t.yaml:7) DestinationRule default/ext in namespace default uses TLS mode SIMPLE without caCertificates, so the server identity of host api.example.com is not verified'],
  },
  {
    name: 'fires at port level for MUTUAL without caCertificates',
    yaml: dr('    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}\n'),
    expect: ['Warning [IST0129] (DestinationRule default/ext t.yaml:9) DestinationRule default/ext in namespace default uses TLS mode MUTUAL without caCertificates, so the server identity of host api.example.com is not verified on port number:443'],
  },
  {
    name: 'accepts caCertificates, credentialName and ISTIO_MUTUAL',
    yaml: dr('    tls: {mode: SIMPLE, caCertificates: /ca.pem}\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: SIMPLE, credentialName: ext-cred}\n    - port: {number: 8443}\n      tls: {mode: ISTIO_MUTUAL}\n'),
    expect: [],
  },
]);
