import type { Reporter } from '../../diagnostic.js';
import { checkPort } from '../../validation/common.js';
import { isIstioDNSLabel } from '../destination-rule/networking-rules.js';
import { intValue } from '../gateway/enum-value.js';
import { parsePortProtocol } from '../gateway/port-protocol.js';
import type { ServicePort } from './types.js';

/**
 * Checks a ServiceEntry's ports: names and numbers unique, names DNS labels, known
 * protocols, numbers in range. Returns the set of port names for the endpoint checks.
 * `tcpNeedsAddress` is true when nothing will give the hosts an address automatically.
 */
export function validateServicePorts(ports: readonly ServicePort[], at: Reporter, tcpNeedsAddress: boolean): Set<string> {
  if (ports.length > 256) at.error(`at most 256 ports are allowed, got ${ports.length}`);
  const names = new Set<string>();
  const numbers = new Map<number, number>();
  ports.forEach((port, i) => {
    const pat = at.at(i);
    if (port === null || typeof port !== 'object') {
      pat.error('port may not be null');
      return;
    }
    const name = typeof port.name === 'string' ? port.name : '';
    if (port.name === undefined) pat.at('name').error('port name is required');
    else if (names.has(name)) pat.at('name').error(`port name ${JSON.stringify(name)} is already defined`);
    else if (!isIstioDNSLabel(name)) pat.at('name').error(`invalid port name ${JSON.stringify(name)}: must be a DNS label`);
    names.add(name);

    const number = intValue(port.number);
    if (port.number === undefined) pat.at('number').error('port number is required');
    else {
      const err = checkPort(number);
      if (err) pat.at('number').error(err);
      const first = numbers.get(number);
      if (first !== undefined) pat.at('number').error(`port number ${number} is already defined by ports[${first}]`);
      else numbers.set(number, i);
    }
    if (port.targetPort !== undefined) {
      const err = checkPort(intValue(port.targetPort));
      if (err) pat.at('targetPort').error(err);
    }
    const protocol = port.protocol ?? '';
    if (protocol !== '' && parsePortProtocol(protocol) === undefined) pat.at('protocol').error(`unsupported protocol ${JSON.stringify(protocol)}`);
    // Plain TCP is matched by destination IP, so without a VIP any IP on this port would match.
    if (tcpNeedsAddress && (protocol === '' || protocol === 'TCP')) {
      pat.warn('TCP (or unset) protocol ports need addresses when automatic IP allocation does not apply; traffic to any IP on this port would match');
    }
  });
  return names;
}
