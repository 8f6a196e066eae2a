import type { Reporter } from '../../diagnostic.js';
import { checkPort, isIP } from '../../validation/common.js';
import { validateConnectionPool } from '../destination-rule/connection-pool.js';
import { isIstioDNSLabel } from '../destination-rule/networking-rules.js';
import { enumName, intValue } from '../gateway/enum-value.js';
import { isHTTPProtocol, isTLSProtocol, parsePortProtocol } from '../gateway/port-protocol.js';
import { validateServerTlsSettings } from '../gateway/server-tls-settings.js';
import { SERVER_TLS_MODES, type ServerTLSSettings } from '../gateway/types.js';
import { validateDefaultEndpoint } from './default-endpoint.js';
import type { IstioIngressListener, SidecarPort } from './types.js';

/** Checks a listener port's name, protocol and number (number 0 handled by the caller). */
export function validateSidecarPortFields(port: SidecarPort, at: Reporter, checkNumber: boolean): void {
  if (typeof port.name === 'string' && port.name !== '' && !isIstioDNSLabel(port.name)) at.at('name').error(`invalid port name ${JSON.stringify(port.name)}: must be a DNS label`);
  if (port.protocol && parsePortProtocol(port.protocol) === undefined) at.at('protocol').error(`unsupported protocol ${JSON.stringify(port.protocol)}`);
  if (checkNumber) {
    const err = checkPort(intValue(port.number));
    if (err) at.at('number').error(err);
  }
  if (intValue(port.targetPort) > 0) at.at('targetPort').error('targetPort has no effect on Sidecars; remove it');
}

/** Istio's rules for `ingress` listeners. `at` points at `spec.ingress`. */
export function validateIngressListeners(listeners: readonly IstioIngressListener[], at: Reporter): void {
  const ports = new Map<number, number>();
  listeners.forEach((l, i) => {
    const lat = at.at(i);
    if (l === null || typeof l !== 'object') return lat.error('ingress listener may not be null');
    if (!l.port) return lat.at('port').error('port is required for ingress listeners');
    validateSidecarPortFields(l.port, lat.at('port'), true);
    if (l.bind && !isIP(l.bind)) lat.at('bind').error(`bind ${JSON.stringify(l.bind)} must be an IP address`);
    const number = intValue(l.port.number);
    const first = ports.get(number);
    if (first !== undefined) lat.at('port').at('number').error(`port ${number} is already used by ingress[${first}]; listener ports must be unique`);
    else ports.set(number, i);
    if (typeof l.defaultEndpoint === 'string') validateDefaultEndpoint(l.defaultEndpoint, lat.at('defaultEndpoint'));

    const protocol = parsePortProtocol(l.port.protocol);
    if (l.tls) validateIngressTls(l.tls, isTLSProtocol(protocol), lat.at('tls'));
    validateConnectionPool(l.connectionPool, lat.at('connectionPool'));
    if (l.connectionPool?.http && !isHTTPProtocol(protocol)) {
      lat.at('connectionPool').at('http').warn(`HTTP pool settings do not apply to port ${number} with protocol ${JSON.stringify(l.port.protocol ?? '')}; only the TCP settings take effect`);
    }
  });
}

function validateIngressTls(tls: ServerTLSSettings, tlsPort: boolean, at: Reporter): void {
  // The sidecar terminates with files only; features that need a gateway are refused.
  if (tls.subjectAltNames && tls.subjectAltNames.length > 0) at.at('subjectAltNames').error('subjectAltNames is not supported in sidecar ingress TLS');
  if (tls.httpsRedirect) at.at('httpsRedirect').error('httpsRedirect is not supported on sidecars');
  if (tls.credentialName) at.at('credentialName').error('credentialName is not supported on sidecars; use certificate files');
  if (tls.credentialNames && tls.credentialNames.length > 0) at.at('credentialNames').error('credentialNames is not supported on sidecars; use certificate files');
  if (tls.tlsCertificates && tls.tlsCertificates.length > 0) at.at('tlsCertificates').error('tlsCertificates is not supported on sidecars; use serverCertificate and privateKey');
  const mode = enumName(tls.mode, SERVER_TLS_MODES);
  if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH') at.at('mode').error(`mode ${mode} cannot be used for sidecar ingress TLS`);
  if (!tlsPort) at.error('TLS settings need a port with protocol HTTPS or TLS');
  validateServerTlsSettings(tls, at);
}
