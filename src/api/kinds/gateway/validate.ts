import type { Reporter } from '../../diagnostic.js';
import type { ValidationContext } from '../kind.js';
import { checkPort, isDNS1123Label, isIP } from '../../validation/common.js';
import { checkUnixSocketPath, UNIX_ADDRESS_PREFIX } from '../workload-entry/unix-address.js';
import { enumName, intValue } from './enum-value.js';
import { validateNamespacedHost } from './namespaced-host.js';
import { isHTTPProtocol, isTLSProtocol, parsePortProtocol } from './port-protocol.js';
import { validateServerTlsSettings } from './server-tls-settings.js';
import { SERVER_TLS_MODES, type GatewaySpec, type Server } from './types.js';

/** Semantic rules of Istio's Gateway webhook and CRD. `at` points at `spec`. */
export function validateGateway(spec: GatewaySpec, at: Reporter, ctx: ValidationContext): void {
  // Gateways are referenced as `namespace/name` by VirtualServices, so no dots in the name.
  const name = ctx.resource.metadata?.name;
  if (typeof name === 'string' && name !== '' && !isDNS1123Label(name)) {
    at.error(`invalid gateway name ${JSON.stringify(name)}: must be a DNS label (no dots)`);
  }
  const servers = spec.servers ?? [];
  if (servers.length === 0) {
    at.at('servers').error('a gateway must have at least one server');
    return;
  }
  const portNames = new Map<string, number>();
  servers.forEach((server, i) => {
    const sat = at.at('servers').at(i);
    if (server === null || typeof server !== 'object') {
      sat.error('server may not be null');
      return;
    }
    validateServer(server, sat);
    if (server.port) {
      const portName = server.port.name ?? '';
      const first = portNames.get(portName);
      if (first !== undefined) sat.at('port').at('name').error(`port names must be unique across servers: ${JSON.stringify(portName)} is also used by servers[${first}]`);
      else portNames.set(portName, i);
      if (server.tls?.httpsRedirect === true && !isHTTPProtocol(parsePortProtocol(server.port.protocol))) {
        sat.at('tls').at('httpsRedirect').warn('httpsRedirect only has an effect on HTTP servers');
      }
    }
  });
}

function validateServer(server: Server, at: Reporter): void {
  const hosts = server.hosts ?? [];
  if (hosts.length === 0) at.at('hosts').error('a server must have at least one host');
  hosts.forEach((h, i) => validateNamespacedHost(String(h), at.at('hosts').at(i), 'gateway'));

  const portOk = validateServerPort(server, at);
  validateBind(server, at.at('bind'));
  if (server.tls) validateServerTlsSettings(server.tls, at.at('tls'));

  if (!portOk) return;
  const protocol = parsePortProtocol(server.port.protocol);
  if (isTLSProtocol(protocol) && !server.tls) {
    at.at('tls').error(`servers with protocol ${server.port.protocol} must have TLS settings`);
  } else if (!isTLSProtocol(protocol) && server.tls) {
    if (isHTTPProtocol(protocol)) {
      // Plain HTTP servers may only carry httpsRedirect (a passthrough-mode tls block).
      const mode = enumName(server.tls.mode, SERVER_TLS_MODES);
      const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
      if (!passthrough || server.tls.caCertificates || server.tls.privateKey || server.tls.serverCertificate) {
        at.at('tls').error('a plain-text HTTP server cannot have TLS settings other than httpsRedirect');
      }
    } else {
      at.at('tls').error(`servers with protocol ${server.port.protocol} cannot have TLS settings; use HTTPS or TLS`);
    }
  }
}

/** Returns true when the port has no error (the protocol checks depend on it). */
function validateServerPort(server: Server, at: Reporter): boolean {
  const port = server.port;
  const pat = at.at('port');
  if (!port) {
    pat.error('port is required');
    return false;
  }
  let ok = true;
  if (port.protocol === undefined || port.protocol === '') {
    pat.at('protocol').error('port protocol is required');
    ok = false;
  } else if (parsePortProtocol(port.protocol) === undefined) {
    pat.at('protocol').error(`unsupported protocol ${JSON.stringify(port.protocol)}; use one of HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, REDIS, MYSQL`);
    ok = false;
  }
  const number = intValue(port.number);
  const unixBind = typeof server.bind === 'string' && server.bind.startsWith(UNIX_ADDRESS_PREFIX);
  if (number > 0 || !unixBind) {
    const err = checkPort(number);
    if (err) {
      pat.at('number').error(err);
      ok = false;
    }
  }
  if (intValue(port.targetPort) > 0) {
    pat.at('targetPort').error('targetPort has no effect on Gateways; remove it');
    ok = false;
  }
  if (port.name === undefined || port.name === '') {
    pat.at('name').error('port name is required');
    ok = false;
  }
  return ok;
}

function validateBind(server: Server, at: Reporter): void {
  const bind = server.bind;
  if (typeof bind !== 'string' || bind === '') return;
  if (bind.startsWith(UNIX_ADDRESS_PREFIX)) {
    const err = checkUnixSocketPath(bind.slice(UNIX_ADDRESS_PREFIX.length));
    if (err) at.error(err);
    if (server.port && intValue(server.port.number) !== 0) at.error('port number must be 0 when binding to a unix domain socket');
  } else if (!isIP(bind)) {
    at.error(`bind ${JSON.stringify(bind)} must be an IP address or unix:// socket path`);
  }
}
