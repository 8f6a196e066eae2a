import { service } from '../testing/fixtures.js';
import { runAnalyzerCases } from '../testing/analyzer-cases.js';
import { portNameAnalyzer } from './service-port-names.js';

runAnalyzerCases(portNameAnalyzer, [
  {
    name: 'fires on a port name without a protocol prefix',
    yaml: service('web', 'default', '[{name: web, port: 80, targetPort: 8080}]'),
    expect: ['Info [IST0118] (Service default/web t.yaml:6) Port name web (port: 80, targetPort: 8080) does not follow'],
  },
  {
    name: 'fires on an unnamed port',
    yaml: service('web', 'default', '[{port: 80}]'),
    expect: ['Port name  (port: 80, targetPort: 80)'],
  },
  {
    name: 'accepts protocol names, suffixes, appProtocol and UDP',
    yaml: service('web', 'default', '[{name: http, port: 80}, {name: grpc-api, port: 81}, {name: grpc-web-x, port: 82}, {name: metrics, port: 83, appProtocol: http}, {name: dns, port: 53, protocol: UDP}, {name: HTTP2-x, port: 84}]'),
    expect: [],
  },
  {
    name: 'skips system namespaces and the Istio control plane',
    yaml: service('dns', 'kube-system', '[{name: dns-tcp, port: 53}]') + `apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system, labels: {istio: pilot}}
spec: {ports: [{name: grpc-xds, port: 15010}, {name: webhook, port: 443}]}
`,
    expect: [],
  },
  {
    name: 'reports IST0150 for a tcp-named port of an ExternalName service',
    yaml: `apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec: {type: ExternalName, externalName: db.example.com, ports: [{name: tcp, port: 5432}]}
`,
    expect: ['Warning [IST0150] (Service default/ext t.yaml:4)'],
  },
]);
