import type { Reporter } from '../../diagnostic.js';
import { checkPort } from '../../validation/common.js';
import { intValue } from '../gateway/enum-value.js';
import type { ReadinessProbe } from './types.js';

const HEADER_NAME = /^[-_A-Za-z0-9]+$/;

/** Istio's rules for a WorkloadGroup readiness probe. `at` points at `probe`. */
export function validateReadinessProbe(probe: ReadinessProbe, at: Reporter): void {
  for (const field of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold'] as const) {
    if (intValue(probe[field]) < 0) at.at(field).error(`${field} must not be negative`);
  }
  const methods = (['httpGet', 'tcpSocket', 'exec', 'grpc'] as const).filter((m) => probe[m] !== undefined && probe[m] !== null);
  if (methods.length === 0) {
    at.error('a probe needs one health check method: httpGet, tcpSocket or exec');
    return;
  }
  if (probe.httpGet) {
    const h = probe.httpGet;
    const hat = at.at('httpGet');
    const err = checkPort(intValue(h.port));
    if (err) hat.at('port').error(err);
    if (h.scheme !== undefined && h.scheme !== '' && h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') hat.at('scheme').error(`scheme must be HTTP or HTTPS, got ${JSON.stringify(h.scheme)}`);
    (h.httpHeaders ?? []).forEach((header, i) => {
      const name = header?.name ?? '';
      if (name === '') hat.at('httpHeaders').at(i).at('name').error('header name cannot be empty');
      else if (!HEADER_NAME.test(name)) hat.at('httpHeaders').at(i).at('name').error(`invalid header name ${JSON.stringify(name)}`);
    });
  }
  if (probe.tcpSocket) {
    const err = checkPort(intValue(probe.tcpSocket.port));
    if (err) at.at('tcpSocket').at('port').error(err);
  }
  if (probe.exec) {
    const command = probe.exec.command ?? [];
    if (command.length === 0) at.at('exec').at('command').error('exec.command is required');
    command.forEach((c, i) => {
      if (c === '') at.at('exec').at('command').at(i).error('command arguments must not be empty');
    });
  }
  if (probe.grpc) {
    // The CRD knows gRPC probes but Istio's webhook does not accept them (yet).
    const err = checkPort(intValue(probe.grpc.port));
    if (err) at.at('grpc').at('port').error(err);
    at.at('grpc').error('gRPC readiness probes are not supported for WorkloadGroups; use httpGet, tcpSocket or exec');
  }
}
