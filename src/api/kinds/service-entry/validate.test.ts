import { runValidationCases } from '../../testing/validation-cases.js';

const se = (spec: string, meta = '{name: ext, namespace: shop}'): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: ${meta}
spec:
${spec}`;

const https = '  ports: [{number: 443, name: https, protocol: HTTPS}]';

runValidationCases('ServiceEntry', [
  { name: 'an external HTTPS API resolved by DNS', valid: true, noWarnings: true, yaml: se(`  hosts: [api.example.org]\n${https}\n  location: MESH_EXTERNAL\n  resolution: DNS`) },
  { name: 'no hosts', valid: false, error: 'spec.hosts: a service entry must have at least one host', yaml: se(`${https}\n  resolution: DNS`) },
  { name: 'the full wildcard host', valid: false, error: 'spec.hosts[0]: a service entry host cannot be the full wildcard "*"', yaml: se(`  hosts: ["*"]\n${https}`) },
  { name: 'a wildcard host with NONE resolution', valid: true, yaml: se(`  hosts: ["*.example.org"]\n${https}\n  resolution: NONE`) },
  { name: 'a wildcard host with DNS and no endpoints', valid: false, error: 'spec.hosts[0]: host "*.example.org" must be a fully qualified name when resolution is DNS', yaml: se(`  hosts: ["*.example.org"]\n${https}\n  resolution: DNS`) },
  { name: 'a workload selector with DNS resolution warns', valid: true, warning: 'spec.workloadSelector: workloadSelector has no effect when resolution is DNS_ROUND_ROBIN', yaml: se(`  hosts: [feed.example.org]\n${https}\n  resolution: DNS_ROUND_ROBIN\n  workloadSelector: {labels: {app: feed}}`) },
  { name: 'a wildcard host with DNS and an endpoint', valid: true, yaml: se(`  hosts: ["*.example.org"]\n${https}\n  resolution: DNS\n  endpoints: [{address: proxy.example.org}]`) },
  { name: 'a partial wildcard host warns', valid: true, warning: 'spec.hosts[0]: partial wildcard "*api.example.org" is not allowed', yaml: se(`  hosts: ["*api.example.org"]\n${https}\n  resolution: NONE`) },
  { name: 'an invalid host', valid: false, error: 'spec.hosts[0]: domain name "bad_host.example.org" invalid', yaml: se(`  hosts: ["bad_host.example.org"]\n${https}`) },
  { name: 'addresses with an IP and a CIDR', valid: true, yaml: se(`  hosts: [db.internal]\n  addresses: [198.18.4.4, 198.18.8.0/24]\n  ports: [{number: 5432, name: pg, protocol: TCP}]\n  resolution: STATIC\n  endpoints: [{address: 198.18.4.5}]`) },
  { name: 'an invalid address', valid: false, error: 'spec.addresses[0]: "198.18.4" is not a valid IP address', yaml: se(`  hosts: [db.internal]\n  addresses: [198.18.4]\n${https}`) },
  { name: 'a CIDR address with DNS resolution', valid: false, error: 'spec.addresses: CIDR addresses are allowed only with resolution NONE or STATIC', yaml: se(`  hosts: [db.internal]\n  addresses: [198.18.8.0/24]\n${https}\n  resolution: DNS`) },
  { name: 'duplicate port numbers', valid: false, error: 'spec.ports[1].number: port number 443 is already defined by ports[0]', yaml: se('  hosts: [a.example.org]\n  ports: [{number: 443, name: https, protocol: HTTPS}, {number: 443, name: tls, protocol: TLS}]\n  resolution: DNS') },
  { name: 'duplicate port names', valid: false, error: 'spec.ports[1].name: port name "web" is already defined', yaml: se('  hosts: [a.example.org]\n  ports: [{number: 80, name: web, protocol: HTTP}, {number: 8080, name: web, protocol: HTTP}]\n  resolution: DNS') },
  { name: 'an uppercase port name', valid: true, yaml: se('  hosts: [a.example.org]\n  ports: [{number: 8443, name: Admin-TLS, protocol: TLS}]\n  resolution: DNS') },
  { name: 'a port name longer than a DNS label', valid: false, error: 'spec.ports[0].name: invalid port name', yaml: se(`  hosts: [a.example.org]\n  ports: [{number: 8443, name: ${'t'.repeat(64)}, protocol: TLS}]\n  resolution: DNS`) },
  { name: 'a port without a name', valid: false, error: 'spec.ports[0].name: port name is required', yaml: se('  hosts: [a.example.org]\n  ports: [{number: 80, protocol: HTTP}]\n  resolution: DNS') },
  { name: 'an unsupported protocol', valid: false, error: 'spec.ports[0].protocol: unsupported protocol "SCTP"', yaml: se('  hosts: [a.example.org]\n  ports: [{number: 80, name: x, protocol: SCTP}]\n  resolution: DNS') },
  { name: 'a targetPort out of range', valid: false, error: 'spec.ports[0].targetPort: port number 0 must be in the range 1..65535', yaml: se('  hosts: [a.example.org]\n  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 0}]\n  resolution: DNS') },
  { name: 'a TCP port without addresses and NONE resolution warns', valid: true, warning: 'spec.ports[0]: TCP (or unset) protocol ports need addresses', yaml: se('  hosts: [db.internal]\n  ports: [{number: 5432, name: pg, protocol: TCP}]\n  resolution: NONE') },
  { name: 'a TCP port without addresses and auto allocation does not warn', valid: true, noWarnings: true, yaml: se('  hosts: [db.internal]\n  ports: [{number: 5432, name: pg, protocol: TCP}]\n  resolution: DNS') },
  { name: 'opting out of auto allocation warns for TCP ports', valid: true, warning: 'spec.ports[0]: TCP (or unset) protocol ports need addresses', yaml: se('  hosts: [db.internal]\n  ports: [{number: 5432, name: pg}]\n  resolution: DNS', '{name: ext, namespace: shop, annotations: {networking.istio.io/enable-autoallocate-ip: "false"}}') },
  { name: 'endpoints with resolution NONE', valid: false, error: 'spec.endpoints: endpoints cannot be set when resolution is NONE', yaml: se(`  hosts: [a.example.org]\n${https}\n  endpoints: [{address: 198.18.0.9}]`) },
  { name: 'STATIC with an IP endpoint naming a declared port', valid: true, yaml: se('  hosts: [a.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: 198.18.0.9, ports: {http: 8080}, labels: {version: v1}}]') },
  { name: 'STATIC with a DNS name endpoint', valid: false, error: 'spec.endpoints[0].address: endpoint address "vm.example.org" is not a valid IP address', yaml: se('  hosts: [a.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: vm.example.org}]') },
  { name: 'STATIC endpoint port not declared by the entry', valid: false, error: 'spec.endpoints[0].ports.grpc: port "grpc" is not a port name of the service entry', yaml: se('  hosts: [a.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: 198.18.0.9, ports: {grpc: 9090}}]') },
  { name: 'STATIC with a unix socket endpoint and one port', valid: true, yaml: se('  hosts: [uds.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: "unix:///var/run/app.sock"}]') },
  { name: 'a unix socket endpoint with two service ports', valid: false, error: 'spec.endpoints[0].address: a unix socket endpoint needs exactly one service port', yaml: se('  hosts: [uds.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: http2, protocol: HTTP}]\n  resolution: STATIC\n  endpoints: [{address: "unix:///var/run/app.sock"}]') },
  { name: 'a unix socket endpoint with DNS resolution', valid: false, error: 'spec.endpoints[0].address: unix socket endpoints cannot be resolved with DNS', yaml: se('  hosts: [uds.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS\n  endpoints: [{address: "unix:///var/run/app.sock"}]') },
  { name: 'STATIC with a workloadSelector', valid: true, yaml: se('  hosts: [vms.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  location: MESH_INTERNAL\n  resolution: STATIC\n  workloadSelector: {labels: {app: legacy}}') },
  { name: 'endpoints together with a workloadSelector', valid: false, error: 'spec: only one of workloadSelector or endpoints can be set', yaml: se('  hosts: [vms.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  workloadSelector: {labels: {app: legacy}}\n  endpoints: [{address: 198.18.0.9}]') },
  { name: 'a wildcard in the workload selector', valid: false, error: 'spec.workloadSelector.labels.app: wildcards are not supported in a selector', yaml: se('  hosts: [vms.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  workloadSelector: {labels: {app: "leg*"}}') },
  { name: 'an empty workload selector warns', valid: true, warning: 'spec.workloadSelector.labels: workloadSelector has no labels', yaml: se('  hosts: [vms.internal]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: STATIC\n  workloadSelector: {}') },
  { name: 'DNS_ROUND_ROBIN with two endpoints', valid: false, error: 'spec.endpoints: resolution DNS_ROUND_ROBIN allows at most one endpoint, got 2', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [{address: a1.example.org}, {address: a2.example.org}]`) },
  { name: 'a DNS endpoint with an invalid name', valid: false, error: 'spec.endpoints[0].address: endpoint address "-bad-.example.org" is neither an IP address nor a valid DNS name', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  endpoints: [{address: -bad-.example.org}]`) },
  { name: 'a DNS endpoint without address', valid: false, error: 'spec.endpoints[0].address: endpoint address "" is neither an IP address nor a valid DNS name', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  endpoints: [{network: net-2}]`) },
  { name: 'multiple hosts sharing a TCP port', valid: false, error: 'spec.ports[0]: multiple hosts cannot share a port that is neither HTTP nor TLS', yaml: se('  hosts: [a.example.org, b.example.org]\n  ports: [{number: 3306, name: mysql, protocol: MYSQL}]\n  resolution: DNS') },
  { name: 'multiple hosts sharing an HTTP port', valid: true, yaml: se('  hosts: [a.example.org, b.example.org]\n  ports: [{number: 80, name: http, protocol: HTTP}]\n  resolution: DNS') },
  { name: 'exportTo with ~ alone', valid: true, yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  exportTo: ["~"]`) },
  { name: 'exportTo with * and a namespace', valid: false, error: 'spec.exportTo: cannot have both public (*) and non-public exportTo values', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  exportTo: ["*", team-a]`) },
  { name: 'exportTo with . and the own namespace', valid: false, error: 'spec.exportTo: "." and the resource\'s own namespace "shop" are the same entry', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  exportTo: [".", shop]`) },
  { name: 'an unknown resolution', valid: false, error: 'spec.resolution: unknown value "DYNAMIC"', yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DYNAMIC`) },
  { name: 'resolution given as its enum number', valid: true, yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: 2`) },
  { name: 'subjectAltNames are accepted', valid: true, yaml: se(`  hosts: [a.example.org]\n${https}\n  resolution: DNS\n  subjectAltNames: ["spiffe://example.org/ns/x/sa/y"]`) },
]);
