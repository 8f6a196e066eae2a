import { runValidationCases } from '../../testing/validation-cases.js';

const gw = (spec: string, name = 'edge'): string => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: shop}
spec:
${spec}`;

const server = (body: string): string => gw(`  servers:\n${body}`);

runValidationCases('Gateway', [
  {
    name: 'an HTTP server on port 80',
    valid: true,
    noWarnings: true,
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["shop.example.org"]'),
  },
  {
    name: 'an HTTPS server with credentialName',
    valid: true,
    noWarnings: true,
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*/*.example.org"]\n    tls: {mode: SIMPLE, credentialName: shop-cert}'),
  },
  {
    name: 'no servers',
    valid: false,
    error: 'spec.servers: a gateway must have at least one server',
    yaml: gw('  selector: {istio: ingressgateway}'),
  },
  {
    name: 'a server without hosts',
    valid: false,
    error: 'spec.servers[0].hosts: a server must have at least one host',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}'),
  },
  {
    name: 'a short host name',
    valid: false,
    error: 'spec.servers[0].hosts[0]: short host names are not allowed',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["shop"]'),
  },
  {
    name: 'a host namespace with capitals passes Istio\'s case-insensitive label check',
    valid: true,
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["FrontEnd/shop.example.org"]'),
  },
  {
    name: 'a namespace-qualified host with an invalid namespace',
    valid: false,
    error: 'spec.servers[0].hosts[0]: invalid namespace "Front_End"',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["Front_End/shop.example.org"]'),
  },
  {
    name: 'the ~ namespace is reserved for Sidecars',
    valid: false,
    error: 'spec.servers[0].hosts[0]: invalid namespace "~"',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["~/shop.example.org"]'),
  },
  {
    name: 'a partial wildcard host',
    valid: false,
    error: 'spec.servers[0].hosts[0]: partial wildcard "*shop.example.org" is not allowed',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["./*shop.example.org"]'),
  },
  {
    name: 'an IP address as host',
    valid: true,
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["198.18.0.10"]'),
  },
  {
    name: 'wildcard host in any namespace',
    valid: true,
    yaml: server('  - port: {number: 80, name: http, protocol: http}\n    hosts: ["*/*"]'),
  },
  {
    name: 'an unknown protocol',
    valid: false,
    error: 'spec.servers[0].port.protocol: unsupported protocol "QUIC"',
    yaml: server('  - port: {number: 443, name: q, protocol: QUIC}\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'a port number out of range',
    valid: false,
    error: 'spec.servers[0].port.number: port number 70000 must be in the range 1..65535',
    yaml: server('  - port: {number: 70000, name: http, protocol: HTTP}\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'a missing port name',
    valid: false,
    error: 'spec.servers[0].port.name: port name is required',
    yaml: server('  - port: {number: 80, protocol: HTTP}\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'targetPort on a gateway port',
    valid: false,
    error: 'spec.servers[0].port.targetPort: targetPort has no effect on Gateways',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'duplicate port names across servers',
    valid: false,
    error: 'spec.servers[1].port.name: port names must be unique across servers: "web" is also used by servers[0]',
    yaml: server('  - port: {number: 80, name: web, protocol: HTTP}\n    hosts: ["a.example.org"]\n  - port: {number: 8080, name: web, protocol: HTTP}\n    hosts: ["b.example.org"]'),
  },
  {
    name: 'a bind IP address',
    valid: true,
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    bind: 198.18.0.1\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'a bind that is not an IP',
    valid: false,
    error: 'spec.servers[0].bind: bind "localhost" must be an IP address',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    bind: localhost\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'a unix socket bind with port 0',
    valid: true,
    yaml: server('  - port: {number: 0, name: uds, protocol: HTTP}\n    bind: unix:///var/run/gw.sock\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'a unix socket bind with a non-zero port',
    valid: false,
    error: 'spec.servers[0].bind: port number must be 0 when binding to a unix domain socket',
    yaml: server('  - port: {number: 80, name: uds, protocol: HTTP}\n    bind: unix:///var/run/gw.sock\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'HTTPS without tls',
    valid: false,
    error: 'spec.servers[0].tls: servers with protocol HTTPS must have TLS settings',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]'),
  },
  {
    name: 'TLS settings on a TCP server',
    valid: false,
    error: 'spec.servers[0].tls: servers with protocol TCP cannot have TLS settings',
    yaml: server('  - port: {number: 31400, name: tcp, protocol: TCP}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: c}'),
  },
  {
    name: 'httpsRedirect on an HTTP server',
    valid: true,
    noWarnings: true,
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["a.example.org"]\n    tls: {httpsRedirect: true}'),
  },
  {
    name: 'SIMPLE mode on a plain HTTP server',
    valid: false,
    error: 'spec.servers[0].tls: a plain-text HTTP server cannot have TLS settings',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: c}'),
  },
  {
    name: 'httpsRedirect on an HTTPS server warns',
    valid: true,
    warning: 'spec.servers[0].tls.httpsRedirect: httpsRedirect only has an effect on HTTP servers',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {httpsRedirect: true, mode: SIMPLE, credentialName: c}'),
  },
  {
    name: 'SIMPLE without certificate files or credential',
    valid: false,
    error: 'spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, privateKey: /etc/k.pem}'),
  },
  {
    name: 'SIMPLE with certificate files',
    valid: true,
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, serverCertificate: /etc/c.pem, privateKey: /etc/k.pem}'),
  },
  {
    name: 'MUTUAL without a CA bundle',
    valid: false,
    error: 'spec.servers[0].tls.caCertificates: MUTUAL TLS requires a client CA bundle',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: MUTUAL, serverCertificate: /etc/c.pem, privateKey: /etc/k.pem}'),
  },
  {
    name: 'OPTIONAL_MUTUAL with credentialNames',
    valid: true,
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: OPTIONAL_MUTUAL, credentialNames: [rsa-cert, ecdsa-cert]}'),
  },
  {
    name: 'three credentialNames',
    valid: false,
    error: 'spec.servers[0].tls.credentialNames: credentialNames must have 1 or 2 entries, got 3',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialNames: [a, b, c]}'),
  },
  {
    name: 'credentialName together with credentialNames',
    valid: false,
    error: 'spec.servers[0].tls: only one of credentialName or credentialNames can be set',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: a, credentialNames: [b]}'),
  },
  {
    name: 'certificate files together with a credential',
    valid: false,
    error: 'spec.servers[0].tls: set only one certificate source',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: a, serverCertificate: /c.pem, privateKey: /k.pem}'),
  },
  {
    name: 'tlsCertificates entries need a key',
    valid: false,
    error: 'spec.servers[0].tls.tlsCertificates[1].privateKey: SIMPLE TLS requires a private key',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls:\n      mode: SIMPLE\n      tlsCertificates:\n      - {serverCertificate: /rsa.pem, privateKey: /rsa.key}\n      - {serverCertificate: /ec.pem}'),
  },
  {
    name: 'three tlsCertificates pairs only warn',
    valid: true,
    warning: 'spec.servers[0].tls.tlsCertificates: SIMPLE TLS supports at most 2 server certificates; got 3',
    yaml: server('  - port: {number: 8443, name: https-shop, protocol: HTTPS}\n    hosts: ["shop.example.net"]\n    tls:\n      mode: SIMPLE\n      tlsCertificates:\n      - {serverCertificate: /p1.crt, privateKey: /p1.key}\n      - {serverCertificate: /p2.crt, privateKey: /p2.key}\n      - {serverCertificate: /p3.crt, privateKey: /p3.key}'),
  },
  {
    name: 'ISTIO_MUTUAL with a credentialName',
    valid: false,
    error: 'spec.servers[0].tls.credentialName: ISTIO_MUTUAL mode uses the mesh certificates',
    yaml: server('  - port: {number: 15443, name: tls, protocol: TLS}\n    hosts: ["*.local"]\n    tls: {mode: ISTIO_MUTUAL, credentialName: x}'),
  },
  {
    name: 'AUTO_PASSTHROUGH ignoring certificates warns',
    valid: true,
    warning: 'spec.servers[0].tls: AUTO_PASSTHROUGH mode does not terminate TLS',
    yaml: server('  - port: {number: 15443, name: tls, protocol: TLS}\n    hosts: ["*.local"]\n    tls: {mode: AUTO_PASSTHROUGH, serverCertificate: /c.pem}'),
  },
  {
    name: 'CRL with SIMPLE TLS',
    valid: false,
    error: 'spec.servers[0].tls.caCrl: caCrl is not supported with SIMPLE TLS',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem, caCrl: /crl.pem}'),
  },
  {
    name: 'TLS 1.0 minimum without cipher suites warns',
    valid: true,
    warning: 'spec.servers[0].tls.minProtocolVersion: TLSV1_0 needs cipherSuites',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_0}'),
  },
  {
    name: 'min version above max version warns',
    valid: true,
    warning: 'spec.servers[0].tls.minProtocolVersion: minProtocolVersion TLSV1_3 is above maxProtocolVersion TLSV1_2',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: c, minProtocolVersion: TLSV1_3, maxProtocolVersion: TLSV1_2}'),
  },
  {
    name: 'unknown and duplicate cipher suites warn',
    valid: true,
    warning: /spec\.servers\[0\]\.tls\.cipherSuites: (unknown cipher suites are ignored: NOT-A-CIPHER|duplicate)/,
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credentialName: c, cipherSuites: [NOT-A-CIPHER, AES128-SHA, AES128-SHA]}'),
  },
  {
    name: 'an unknown TLS mode',
    valid: false,
    error: 'spec.servers[0].tls.mode: unknown value "STRICT"',
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: STRICT}'),
  },
  {
    name: 'a gateway name with dots',
    valid: false,
    error: 'spec: invalid gateway name "edge.v2"',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["a.example.org"]').replace('name: edge,', 'name: edge.v2,'),
  },
  {
    name: 'snake_case fields are accepted',
    valid: true,
    yaml: server('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["a.example.org"]\n    tls: {mode: SIMPLE, credential_name: c, min_protocol_version: TLSV1_2}'),
  },
  {
    name: 'an unknown server field',
    valid: false,
    error: 'spec.servers[0].hostz: unknown field "hostz"',
    yaml: server('  - port: {number: 80, name: http, protocol: HTTP}\n    hostz: ["a.example.org"]'),
  },
]);
