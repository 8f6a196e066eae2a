import { runValidationCases } from '../../testing/validation-cases.js';

const svc = (spec: string): string => `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: bookinfo}
spec:
${spec.replace(/^/gm, '  ')}`;

runValidationCases('Service', [
  { name: 'a ClusterIP service', valid: true, noWarnings: true, yaml: svc('selector: {app: reviews}\nports: [{name: http, port: 9080, targetPort: 9080, protocol: TCP}]') },
  { name: 'a named target port and appProtocol', valid: true, yaml: svc('ports: [{name: web, port: 80, targetPort: http-alt, appProtocol: http}]') },
  { name: 'a headless service without ports', valid: true, yaml: svc('clusterIP: None\nselector: {app: db}') },
  { name: 'an ExternalName service', valid: true, yaml: svc('type: ExternalName\nexternalName: db.example.com') },
  { name: 'ports are required', valid: false, error: 'spec.ports: ports are required for a ClusterIP service', yaml: svc('selector: {app: a}') },
  { name: 'ExternalName without externalName', valid: false, error: 'spec.externalName: externalName is required', yaml: svc('type: ExternalName') },
  { name: 'an unknown type', valid: false, error: 'spec.type: unknown value "Internal"', yaml: svc('type: Internal\nports: [{port: 80}]') },
  { name: 'a port out of range', valid: false, error: 'spec.ports[0].port: port number 70000 must be in the range 1..65535', yaml: svc('ports: [{port: 70000}]') },
  { name: 'an unnamed port among several', valid: false, error: 'spec.ports[1].name: a name is required', yaml: svc('ports: [{name: a, port: 80}, {port: 81}]') },
  { name: 'duplicate port names', valid: false, error: 'spec.ports[1].name: duplicate port name "http"', yaml: svc('ports: [{name: http, port: 80}, {name: http, port: 81}]') },
  { name: 'an uppercase port name', valid: false, error: 'spec.ports[0].name: port name "HTTP" must be a lowercase RFC 1123 label', yaml: svc('ports: [{name: HTTP, port: 80}]') },
  { name: 'an unknown protocol', valid: false, error: 'spec.ports[0].protocol: unknown value "HTTP"', yaml: svc('ports: [{port: 80, protocol: HTTP}]') },
  { name: 'a too-long target port name', valid: false, error: 'spec.ports[0].targetPort: targetPort "a-very-long-port-name"', yaml: svc('ports: [{port: 80, targetPort: a-very-long-port-name}]') },
  { name: 'a target port out of range', valid: false, error: 'spec.ports[0].targetPort: targetPort 0 must be in the range', yaml: svc('ports: [{port: 80, targetPort: 0}]') },
  { name: 'a bad selector label', valid: false, error: 'spec.selector.app: invalid label value', yaml: svc('selector: {app: "a b"}\nports: [{port: 80}]') },
  { name: 'a bad clusterIP', valid: false, error: 'spec.clusterIP: clusterIP "auto" must be an IP address', yaml: svc('clusterIP: auto\nports: [{port: 80}]') },
  { name: 'a nodePort on a ClusterIP service', valid: false, error: 'spec.ports[0].nodePort: nodePort may not be set for type ClusterIP', yaml: svc('ports: [{port: 80, nodePort: 30080}]') },
  { name: 'a NodePort service', valid: true, yaml: svc('type: NodePort\nexternalTrafficPolicy: Local\nports: [{port: 80, nodePort: 30080}]') },
  { name: 'an unknown spec field', valid: false, error: 'spec.port: unknown field "port"', yaml: svc('port: 80') },
]);
