import { runValidationCases } from '../../testing/validation-cases.js';

const we = (spec: string): string => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: shop}
spec:
${spec}`;

runValidationCases('WorkloadEntry', [
  { name: 'an IP address with ports and labels', valid: true, noWarnings: true, yaml: we('  address: 198.18.3.4\n  ports: {http: 8080, grpc: 9090}\n  labels: {app: cart, version: v2}\n  serviceAccount: cart\n  weight: 3') },
  { name: 'a DNS name as address', valid: true, yaml: we('  address: vm1.corp.example.org') },
  { name: 'an IPv6 address', valid: true, yaml: we('  address: "2001:db8::7"') },
  { name: 'no address and no network', valid: false, error: 'spec.address: address is required', yaml: we('  labels: {app: cart}') },
  { name: 'no address but a network warns', valid: true, warning: 'spec.address: address is unset; the workload is reached through network "net-2"', yaml: we('  network: net-2') },
  { name: 'an address that is neither IP nor DNS name', valid: false, error: 'spec.address: address "vm_1!" is neither an IP address nor a valid DNS name', yaml: we('  address: "vm_1!"') },
  { name: 'a unix socket address', valid: true, yaml: we('  address: unix:///var/run/app.sock') },
  { name: 'an abstract unix socket', valid: true, yaml: we('  address: unix://@app') },
  { name: 'a relative unix socket path', valid: false, error: 'spec.address: run/app.sock is not an absolute path', yaml: we('  address: unix://run/app.sock') },
  { name: 'a unix socket directory', valid: false, error: 'spec.address: /var/run/ is not an absolute path to a socket file', yaml: we('  address: unix:///var/run/') },
  { name: 'a unix socket with ports', valid: false, error: 'spec.ports: unix socket endpoint unix:///var/run/app.sock must not list ports', yaml: we('  address: unix:///var/run/app.sock\n  ports: {http: 80}') },
  { name: 'a port number out of range', valid: false, error: 'spec.ports.http: port number 0 must be in the range 1..65535', yaml: we('  address: 198.18.3.4\n  ports: {http: 0}') },
  { name: 'an uppercase port name is a DNS label to Istio', valid: true, yaml: we('  address: 198.18.3.4\n  ports: {Metrics: 9102}') },
  { name: 'a 63-character port name fails the CRD rule', valid: false, error: 'invalid port name', yaml: we(`  address: 198.18.3.4\n  ports: {${'p'.repeat(63)}: 9102}`) },
  { name: 'a port name with an underscore', valid: false, error: 'spec.ports.grpc_api: invalid port name "grpc_api"', yaml: we('  address: 198.18.3.4\n  ports: {grpc_api: 9102}') },
  { name: 'an invalid label value', valid: false, error: 'spec.labels.app: invalid label value', yaml: we('  address: 198.18.3.4\n  labels: {app: "two words"}') },
  { name: 'a negative weight', valid: false, error: 'spec.weight: -1 is out of range', yaml: we('  address: 198.18.3.4\n  weight: -1') },
  { name: 'an overlong service account', valid: false, error: 'spec.serviceAccount: serviceAccount must be at most 253 characters', yaml: we(`  address: 198.18.3.4\n  serviceAccount: ${'a'.repeat(254)}`) },
  { name: 'an unknown field', valid: false, error: 'spec.adress: unknown field "adress"', yaml: we('  adress: 198.18.3.4') },
]);
