import { runValidationCases } from '../../testing/validation-cases.js';

const sc = (spec: string): string => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: scope, namespace: shop}
spec:
${spec}`;

const egressAll = '  egress:\n  - hosts: ["./*", "istio-system/*"]';

runValidationCases('Sidecar', [
  { name: 'a namespace-wide egress scope', valid: true, noWarnings: true, yaml: sc(egressAll) },
  { name: 'an empty Sidecar', valid: false, error: 'spec: empty Sidecar', yaml: sc('  workloadSelector: {labels: {app: cart}}') },
  { name: 'an empty workload selector warns', valid: true, warning: 'spec.workloadSelector.labels: workloadSelector has no labels', yaml: sc(`  workloadSelector: {}\n${egressAll}`) },
  { name: 'a wildcard selector label', valid: false, error: 'spec.workloadSelector.labels.app: wildcards are not supported', yaml: sc(`  workloadSelector: {labels: {app: "c*"}}\n${egressAll}`) },
  { name: 'an ingress listener with a loopback default endpoint', valid: true, yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1:8080\n    captureMode: IPTABLES') },
  { name: 'ingress default endpoints in every accepted form', valid: true, yaml: sc('  ingress:\n  - {port: {number: 1, protocol: HTTP, name: a}, defaultEndpoint: "0.0.0.0:81"}\n  - {port: {number: 2, protocol: HTTP, name: b}, defaultEndpoint: "[::1]:82"}\n  - {port: {number: 3, protocol: HTTP, name: c}, defaultEndpoint: "[::]:83"}\n  - {port: {number: 4, protocol: HTTP, name: d}, defaultEndpoint: ":84"}\n  - {port: {number: 5, protocol: HTTP, name: e}, defaultEndpoint: "unix:///var/run/app.sock"}\n  - {port: {number: 6, protocol: HTTP, name: f}}') },
  { name: 'a default endpoint on another host', valid: false, error: 'spec.ingress[0].defaultEndpoint: defaultEndpoint must be 127.0.0.1:<port>', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 198.18.0.4:8080') },
  { name: 'a default endpoint without a port', valid: false, error: 'spec.ingress[0].defaultEndpoint: missing port in address "127.0.0.1"', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1') },
  { name: 'a default endpoint with a named port', valid: false, error: 'spec.ingress[0].defaultEndpoint: defaultEndpoint port "http" is not a number', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1:http') },
  { name: 'a relative unix default endpoint', valid: false, error: 'spec.ingress[0].defaultEndpoint: app.sock is not an absolute path', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: unix://app.sock') },
  { name: 'an ingress listener without a port', valid: false, error: 'spec.ingress[0].port: port is required for ingress listeners', yaml: sc('  ingress:\n  - defaultEndpoint: 127.0.0.1:8080') },
  { name: 'duplicate ingress ports', valid: false, error: 'spec.ingress[1].port.number: port 9080 is already used by ingress[0]', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: a}\n  - port: {number: 9080, protocol: TCP, name: b}') },
  { name: 'an ingress port with an uppercase name', valid: true, yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: Web}') },
  { name: 'an ingress port name with a dot', valid: false, error: 'spec.ingress[0].port.name: invalid port name "web.v1"', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: web.v1}') },
  { name: 'an egress host whose namespace has capitals', valid: true, yaml: sc('  egress:\n  - hosts: ["Payments/ledger.example.org"]') },
  { name: 'targetPort on a sidecar port', valid: false, error: 'spec.ingress[0].port.targetPort: targetPort has no effect on Sidecars', yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: a, targetPort: 8080}') },
  { name: 'ingress TLS termination with files', valid: true, yaml: sc('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    defaultEndpoint: 127.0.0.1:8080\n    tls: {mode: SIMPLE, serverCertificate: /etc/c.pem, privateKey: /etc/k.pem}') },
  { name: 'ingress TLS with a credentialName', valid: false, error: 'spec.ingress[0].tls.credentialName: credentialName is not supported on sidecars', yaml: sc('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    tls: {mode: SIMPLE, credentialName: c}') },
  { name: 'ingress TLS in ISTIO_MUTUAL mode', valid: false, error: 'spec.ingress[0].tls.mode: mode ISTIO_MUTUAL cannot be used for sidecar ingress TLS', yaml: sc('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    tls: {mode: ISTIO_MUTUAL}') },
  { name: 'ingress TLS on an HTTP port', valid: false, error: 'spec.ingress[0].tls: TLS settings need a port with protocol HTTPS or TLS', yaml: sc('  ingress:\n  - port: {number: 8080, protocol: HTTP, name: http}\n    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem}') },
  { name: 'ingress TLS missing its key', valid: false, error: 'spec.ingress[0].tls.privateKey: SIMPLE TLS requires a private key', yaml: sc('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    tls: {mode: SIMPLE, serverCertificate: /c.pem}') },
  { name: 'a per-port connection pool', valid: true, yaml: sc('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    connectionPool: {http: {http1MaxPendingRequests: 10}, tcp: {maxConnections: 100}}') },
  { name: 'an HTTP pool on a TCP port warns', valid: true, warning: 'spec.ingress[0].connectionPool.http: HTTP pool settings do not apply to port 3306', yaml: sc('  ingress:\n  - port: {number: 3306, protocol: TCP, name: db}\n    connectionPool: {http: {maxRetries: 3}}') },
  { name: 'an inbound connection pool alone', valid: true, yaml: sc('  inboundConnectionPool: {tcp: {maxConnections: 50, connectTimeout: 2s}}') },
  { name: 'an empty inbound connection pool', valid: false, error: 'spec.inboundConnectionPool: connection pool must set at least one of tcp or http', yaml: sc('  inboundConnectionPool: {}') },
  { name: 'a negative pool limit', valid: false, error: 'spec.inboundConnectionPool.tcp.maxConnections: maxConnections must be non-negative', yaml: sc('  inboundConnectionPool: {tcp: {maxConnections: -1}}') },
  { name: 'an egress listener on a port with bind and capture mode', valid: true, yaml: sc('  egress:\n  - port: {number: 3306, protocol: MYSQL, name: mysql}\n    bind: 127.0.0.1\n    captureMode: NONE\n    hosts: ["*/mysql.example.org"]\n  - hosts: ["~/*"]') },
  { name: 'the catch-all egress listener not last', valid: false, error: 'spec.egress[0]: the egress listener without a port must be the last one', yaml: sc('  egress:\n  - hosts: ["./*"]\n  - port: {number: 80, protocol: HTTP, name: http}\n    hosts: ["./*"]') },
  { name: 'two catch-all egress listeners', valid: false, error: 'spec.egress[0]: the egress listener without a port must be the last one', yaml: sc('  egress:\n  - hosts: ["./*"]\n  - hosts: ["*/*"]') },
  { name: 'duplicate egress ports', valid: false, error: 'spec.egress[1].port.number: port 80 is already used by egress[0]', yaml: sc('  egress:\n  - port: {number: 80, protocol: HTTP, name: a}\n    hosts: ["./*"]\n  - port: {number: 80, protocol: HTTP, name: b}\n    hosts: ["*/*"]') },
  { name: 'an egress listener without hosts', valid: false, error: 'spec.egress[0].hosts: an egress listener must list at least one host', yaml: sc('  egress:\n  - port: {number: 80, protocol: HTTP, name: a}') },
  { name: 'an egress host without a namespace', valid: false, error: 'spec.egress[0].hosts[0]: host "reviews.shop.svc.cluster.local" must be of the form namespace/dnsName', yaml: sc('  egress:\n  - hosts: ["reviews.shop.svc.cluster.local"]') },
  { name: 'an egress host with a short name', valid: false, error: 'spec.egress[0].hosts[0]: short host names are not allowed', yaml: sc('  egress:\n  - hosts: ["shop/reviews"]') },
  { name: 'an egress host with an invalid namespace', valid: false, error: 'spec.egress[0].hosts[0]: invalid namespace "shop_eu"', yaml: sc('  egress:\n  - hosts: ["shop_eu/*"]') },
  { name: 'overlapping egress hosts warn', valid: true, warning: 'spec.egress[0].hosts[1]: egress host "shop/reviews.shop.svc.cluster.local" repeats or overlaps', yaml: sc('  egress:\n  - hosts: ["./*", "shop/reviews.shop.svc.cluster.local"]') },
  { name: '*/* with other hosts warns', valid: true, warning: 'spec.egress[0].hosts: "*/*" already selects every host', yaml: sc('  egress:\n  - hosts: ["*/*", "istio-system/*"]') },
  { name: 'a unix socket egress listener', valid: true, yaml: sc('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    bind: unix:///var/run/egress.sock\n    hosts: ["./*"]') },
  { name: 'port 0 without a unix bind', valid: false, error: 'spec.egress[0].bind: a listener with port 0 must bind to a unix:// socket', yaml: sc('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    hosts: ["./*"]') },
  { name: 'a unix socket listener with IPTABLES capture', valid: false, error: 'spec.egress[0].captureMode: captureMode must be DEFAULT or NONE', yaml: sc('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    bind: unix:///var/run/egress.sock\n    captureMode: IPTABLES\n    hosts: ["./*"]') },
  { name: 'REGISTRY_ONLY outbound policy', valid: true, yaml: sc('  outboundTrafficPolicy: {mode: REGISTRY_ONLY}') },
  { name: 'an egress proxy with ALLOW_ANY', valid: true, yaml: sc('  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy: {host: egress.istio-system.svc.cluster.local, subset: v1, port: {number: 443}}') },
  { name: 'an egress proxy with REGISTRY_ONLY', valid: false, error: 'spec.outboundTrafficPolicy.egressProxy: egressProxy can only be set with mode ALLOW_ANY', yaml: sc('  outboundTrafficPolicy:\n    egressProxy: {host: egress.istio-system.svc.cluster.local, port: {number: 443}}') },
  { name: 'an egress proxy without a port', valid: false, error: 'spec.outboundTrafficPolicy.egressProxy.port: egressProxy port is required', yaml: sc('  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy: {host: egress.istio-system.svc.cluster.local}') },
  { name: 'an unknown capture mode', valid: false, error: 'spec.egress[0].captureMode: unknown value "TPROXY"', yaml: sc('  egress:\n  - captureMode: TPROXY\n    hosts: ["./*"]') },
]);
