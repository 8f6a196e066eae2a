import type { Reporter } from '../../diagnostic.js';
import { checkFQDN, checkPort, isIP, validateLabels } from '../../validation/common.js';
import { intValue } from '../gateway/enum-value.js';
import type { WorkloadEntrySpec } from './types.js';
import { checkUnixSocketPath, UNIX_ADDRESS_PREFIX } from './unix-address.js';

/** How strictly a workload's fields are checked; the three places that embed one differ. */
export interface WorkloadFieldRules {
  /**
   * `full`: Istio's webhook and CRD rules (WorkloadEntry, ServiceEntry endpoints).
   * `crd`: only the CRD's rules (WorkloadGroup template, filled in at registration).
   */
  level: 'full' | 'crd';
  /** Whether a DNS name is accepted as address (false for STATIC ServiceEntry endpoints). */
  allowHostname: boolean;
  /** Names of the enclosing ServiceEntry's ports, which endpoint ports must refer to. */
  servicePorts?: ReadonlySet<string>;
  /** Set when the caller already checked the address for its own mode (DNS endpoints). */
  addressChecked?: boolean;
}

// The CRD's port-name rule; the webhook additionally requires a lowercase DNS label.
const CRD_PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** Validates one workload (address, ports, labels, sizes). `at` points at the workload. */
export function validateWorkloadFields(we: WorkloadEntrySpec, at: Reporter, rules: WorkloadFieldRules): void {
  const address = typeof we.address === 'string' ? we.address : '';
  const unix = address.startsWith(UNIX_ADDRESS_PREFIX);
  const aat = at.at('address');

  if (rules.level === 'full' && !rules.addressChecked && address === '') {
    if (!we.network) aat.error('address is required (it may be left empty only when network is set)');
    else aat.warn(`address is unset; the workload is reached through network ${JSON.stringify(we.network)}`);
  }
  if (address.length > 256) aat.error(`address must be at most 256 characters, got ${address.length}`);
  if (unix) {
    const err = checkUnixSocketPath(address.slice(UNIX_ADDRESS_PREFIX.length));
    if (err) aat.error(err);
    if (we.ports && Object.keys(we.ports).length > 0) at.at('ports').error(`unix socket endpoint ${address} must not list ports`);
    if (rules.servicePorts && !rules.addressChecked && rules.servicePorts.size !== 1) aat.error('a unix socket endpoint needs exactly one service port');
  } else if (rules.level === 'full' && !rules.addressChecked && address !== '' && !isIP(address)) {
    if (!rules.allowHostname) aat.error(`endpoint address ${JSON.stringify(address)} is not a valid IP address`);
    else if (checkFQDN(address)) aat.error(`address ${JSON.stringify(address)} is neither an IP address nor a valid DNS name`);
  }

  validatePorts(we.ports, at.at('ports'), rules);

  const labels = we.labels ?? {};
  if (Object.keys(labels).length > 256) at.at('labels').error('at most 256 labels are allowed');
  if (rules.level === 'full') validateLabels(labels, at.at('labels'));

  if (typeof we.serviceAccount === 'string' && we.serviceAccount.length > 253) at.at('serviceAccount').error('serviceAccount must be at most 253 characters');
  for (const field of ['network', 'locality'] as const) {
    const v = we[field];
    if (typeof v === 'string' && v.length > 2048) at.at(field).error(`${field} must be at most 2048 characters`);
  }
}

function validatePorts(ports: Record<string, unknown> | undefined, at: Reporter, rules: WorkloadFieldRules): void {
  const entries = Object.entries(ports ?? {});
  if (entries.length > 128) at.error(`at most 128 ports are allowed, got ${entries.length}`);
  for (const [name, value] of entries) {
    const pat = at.at(name);
    if (rules.servicePorts && !rules.servicePorts.has(name)) pat.error(`port ${JSON.stringify(name)} is not a port name of the service entry`);
    // The CRD's rule (shorter than 63, either case) is stricter than the webhook's DNS label check.
    if (!(name.length < 63 && CRD_PORT_NAME.test(name))) {
      pat.error(`invalid port name ${JSON.stringify(name)}`);
    }
    const err = checkPort(intValue(value));
    if (err) pat.error(err);
  }
}
