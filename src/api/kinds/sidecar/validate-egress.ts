import type { Reporter } from '../../diagnostic.js';
import { isIP } from '../../validation/common.js';
import { enumName, intValue } from '../gateway/enum-value.js';
import { validateNamespacedHost } from '../gateway/namespaced-host.js';
import { checkUnixSocketPath, UNIX_ADDRESS_PREFIX } from '../workload-entry/unix-address.js';
import { CAPTURE_MODES, type IstioEgressListener } from './types.js';
import { validateSidecarPortFields } from './validate-ingress.js';

/** Istio's rules for `egress` listeners. `at` points at `spec.egress`; `namespace` resolves `.`. */
export function validateEgressListeners(listeners: readonly IstioEgressListener[], at: Reporter, namespace: string | undefined): void {
  const ports = new Map<number, number>();
  const sockets = new Set<string>();
  let catchAll = false;
  listeners.forEach((l, i) => {
    const lat = at.at(i);
    if (l === null || typeof l !== 'object') return lat.error('egress listener may not be null');
    if (!l.port) {
      // A port-less listener catches everything left over, so it has to come last.
      if (catchAll) return lat.error('only one egress listener may omit the port');
      if (i === listeners.length - 1) catchAll = true;
      else lat.error('the egress listener without a port must be the last one');
    } else {
      validateEgressPort(l, lat);
      const number = intValue(l.port.number);
      if (number === 0) {
        if (sockets.has(l.bind ?? '')) lat.at('bind').error('unix socket binds must be unique across egress listeners');
        sockets.add(l.bind ?? '');
      } else {
        const first = ports.get(number);
        if (first !== undefined) lat.at('port').at('number').error(`port ${number} is already used by egress[${first}]; listener ports must be unique`);
        else ports.set(number, i);
      }
    }
    validateEgressHosts(l.hosts ?? [], lat.at('hosts'), namespace);
  });
}

function validateEgressPort(l: IstioEgressListener, at: Reporter): void {
  const port = l.port!;
  const number = intValue(port.number);
  validateSidecarPortFields(port, at.at('port'), number !== 0);
  const bind = l.bind ?? '';
  if (number === 0) {
    if (!bind.startsWith(UNIX_ADDRESS_PREFIX)) at.at('bind').error('a listener with port 0 must bind to a unix:// socket');
    else {
      const err = checkUnixSocketPath(bind.slice(UNIX_ADDRESS_PREFIX.length));
      if (err) at.at('bind').error(err);
    }
    const mode = enumName(l.captureMode, CAPTURE_MODES);
    if (mode !== 'DEFAULT' && mode !== 'NONE') at.at('captureMode').error('captureMode must be DEFAULT or NONE for unix socket listeners');
  } else if (bind !== '' && !isIP(bind)) {
    at.at('bind').error(`bind ${JSON.stringify(bind)} must be an IP address`);
  }
}

function validateEgressHosts(hosts: readonly string[], at: Reporter, namespace: string | undefined): void {
  if (hosts.length === 0) {
    at.error('an egress listener must list at least one host');
    return;
  }
  // namespace -> hosts already listed, to point out entries that add nothing.
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((raw, i) => {
    const entry = String(raw);
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const ns = entry.slice(0, slash) === '.' && namespace ? namespace : entry.slice(0, slash);
      const host = entry.slice(slash + 1);
      const seen = byNamespace.get(ns) ?? new Set<string>();
      const redundant = host === '*' ? seen.size > 0 : seen.has(host) || seen.has('*');
      if (redundant) at.at(i).warn(`egress host ${JSON.stringify(entry)} repeats or overlaps an earlier entry`);
      seen.add(host);
      byNamespace.set(ns, seen);
    }
    validateNamespacedHost(entry, at.at(i), 'sidecar');
  });
  if (byNamespace.get('*')?.has('*') && byNamespace.size > 1) at.warn('"*/*" already selects every host; the other entries add nothing');
}
