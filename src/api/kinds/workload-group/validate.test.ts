import { runValidationCases } from '../../testing/validation-cases.js';

const wg = (spec: string): string => `apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: legacy, namespace: shop}
spec:
${spec}`;

const tpl = '  template: {serviceAccount: legacy, ports: {http: 8080}}';

runValidationCases('WorkloadGroup', [
  { name: 'a template with metadata and an HTTP probe', valid: true, noWarnings: true, yaml: wg(`  metadata: {labels: {app: legacy}, annotations: {team: shop}}\n${tpl}\n  probe: {periodSeconds: 5, httpGet: {path: /ready, port: 8080, scheme: HTTPS, httpHeaders: [{name: X-Probe, value: "1"}]}}`) },
  { name: 'a template without address is fine', valid: true, yaml: wg('  template: {labels: {app: legacy}}') },
  { name: 'a missing template', valid: false, error: 'spec.template: template is required', yaml: wg('  metadata: {labels: {app: legacy}}') },
  { name: 'an invalid metadata label', valid: false, error: 'spec.metadata.labels.app: invalid label value', yaml: wg(`  metadata: {labels: {app: "a b"}}\n${tpl}`) },
  { name: 'a template unix socket with ports', valid: false, error: 'spec.template.ports: unix socket endpoint unix:///run/a.sock must not list ports', yaml: wg('  template: {address: "unix:///run/a.sock", ports: {http: 80}}') },
  { name: 'a template port out of range', valid: false, error: 'spec.template.ports.http: port number 70000 must be in the range 1..65535', yaml: wg('  template: {ports: {http: 70000}}') },
  { name: 'a TCP probe', valid: true, yaml: wg(`${tpl}\n  probe: {tcpSocket: {port: 8080}, failureThreshold: 3}`) },
  { name: 'an exec probe', valid: true, yaml: wg(`${tpl}\n  probe: {exec: {command: [/bin/check, --fast]}}`) },
  { name: 'an exec probe without a command', valid: false, error: 'spec.probe.exec.command: exec.command is required', yaml: wg(`${tpl}\n  probe: {exec: {}}`) },
  { name: 'two probe methods', valid: false, error: 'spec.probe: only one of httpGet, tcpSocket may be set', yaml: wg(`${tpl}\n  probe: {httpGet: {port: 80}, tcpSocket: {port: 80}}`) },
  { name: 'a probe without a method', valid: false, error: 'spec.probe: a probe needs one health check method', yaml: wg(`${tpl}\n  probe: {periodSeconds: 10}`) },
  { name: 'a negative period', valid: false, error: 'spec.probe.periodSeconds: periodSeconds must not be negative', yaml: wg(`${tpl}\n  probe: {periodSeconds: -1, tcpSocket: {port: 80}}`) },
  { name: 'an HTTP probe port of 0', valid: false, error: 'spec.probe.httpGet.port: port number 0 must be in the range 1..65535', yaml: wg(`${tpl}\n  probe: {httpGet: {path: /, port: 0}}`) },
  { name: 'an HTTP probe with a bad scheme', valid: false, error: 'spec.probe.httpGet.scheme: scheme must be HTTP or HTTPS', yaml: wg(`${tpl}\n  probe: {httpGet: {port: 80, scheme: ftp}}`) },
  { name: 'an HTTP probe header with a space', valid: false, error: 'spec.probe.httpGet.httpHeaders[0].name: invalid header name "X Probe"', yaml: wg(`${tpl}\n  probe: {httpGet: {port: 80, httpHeaders: [{name: X Probe, value: a}]}}`) },
  { name: 'a gRPC probe is rejected like Istio does', valid: false, error: 'spec.probe.grpc: gRPC readiness probes are not supported', yaml: wg(`${tpl}\n  probe: {grpc: {port: 9090}}`) },
]);
