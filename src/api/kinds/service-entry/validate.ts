import type { Reporter } from '../../diagnostic.js';
import type { ValidationContext } from '../kind.js';
import { checkIPOrCIDR, checkWildcardDomain, validateExportTo } from '../../validation/common.js';
import { enumName } from '../gateway/enum-value.js';
import { checkPartialWildcard } from '../gateway/namespaced-host.js';
import { isHTTPProtocol, isTCPProtocol, isTLSProtocol, parsePortProtocol } from '../gateway/port-protocol.js';
import { validateSelectorLabels } from '../workload-entry/workload-selector.js';
import { SERVICE_ENTRY_RESOLUTIONS, type ServiceEntrySpec } from './types.js';
import { validateResolution } from './validate-endpoints.js';
import { validateServicePorts } from './validate-ports.js';

/** Annotation with which a ServiceEntry opts out of automatic VIP allocation. */
const AUTO_ALLOCATE_ANNOTATION = 'networking.istio.io/enable-autoallocate-ip';

/** Rules of Istio's ServiceEntry webhook and CRD. `at` points at `spec`. */
export function validateServiceEntry(spec: ServiceEntrySpec, at: Reporter, ctx: ValidationContext): void {
  const resolution = enumName(spec.resolution, SERVICE_ENTRY_RESOLUTIONS);
  const hosts = spec.hosts ?? [];
  const addresses = spec.addresses ?? [];

  if (spec.workloadSelector) {
    validateSelectorLabels(spec.workloadSelector.labels, at.at('workloadSelector').at('labels'), {
      maxLabels: 256,
      emptyWarning: 'workloadSelector has no labels, so it selects every workload in the namespace',
    });
    if (Array.isArray(spec.endpoints)) at.error('only one of workloadSelector or endpoints can be set');
  }

  validateHosts(hosts, at.at('hosts'));

  if (addresses.length > 256) at.at('addresses').error(`at most 256 addresses are allowed, got ${addresses.length}`);
  addresses.forEach((a, i) => {
    const address = String(a);
    const err = address.length > 64 ? 'address must be at most 64 characters' : checkIPOrCIDR(address);
    if (err) at.at('addresses').at(i).error(err);
  });
  if (addresses.some((a) => String(a).includes('/')) && resolution !== 'NONE' && resolution !== 'STATIC') {
    at.at('addresses').error('CIDR addresses are allowed only with resolution NONE or STATIC');
  }

  // Istio allocates a VIP per host unless resolution is NONE, addresses are given, or the
  // resource opts out; without one, TCP ports cannot tell services apart.
  const optOut = ctx.resource.metadata?.annotations?.[AUTO_ALLOCATE_ANNOTATION] === 'false';
  const autoAllocated = resolution !== 'NONE' && !optOut;
  const ports = spec.ports ?? [];
  const servicePorts = validateServicePorts(ports, at.at('ports'), addresses.length === 0 && !autoAllocated);

  validateResolution(spec, resolution, servicePorts, at);

  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && addresses.length > 0 && hosts.length > 1) {
    if (ports.some((p) => p && isTCPProtocol(parsePortProtocol(p.protocol)))) {
      at.at('hosts').warn('more than one host together with addresses and a TCP port: the hosts cannot be told apart');
    }
  }
  // HTTP has the Host header and TLS has SNI; plain TCP has nothing to pick a host by.
  if (resolution !== 'NONE' && hosts.length > 1) {
    const i = ports.findIndex((p) => p && !isHTTPProtocol(parsePortProtocol(p.protocol)) && !isTLSProtocol(parsePortProtocol(p.protocol)));
    if (i >= 0) at.at('ports').at(i).error('multiple hosts cannot share a port that is neither HTTP nor TLS unless resolution is NONE');
  }

  validateExportTo(spec.exportTo, at.at('exportTo'), { allowTilde: true });
  const ns = ctx.resource.metadata?.namespace;
  if (ns && spec.exportTo?.includes('.') && spec.exportTo.includes(ns)) {
    at.at('exportTo').error(`"." and the resource's own namespace ${JSON.stringify(ns)} are the same entry`);
  }
}

function validateHosts(hosts: readonly unknown[], at: Reporter): void {
  if (hosts.length === 0) at.error('a service entry must have at least one host');
  if (hosts.length > 256) at.error(`at most 256 hosts are allowed, got ${hosts.length}`);
  hosts.forEach((raw, i) => {
    const host = String(raw);
    if (host === '*') {
      at.at(i).error('a service entry host cannot be the full wildcard "*"');
      return;
    }
    const err = checkWildcardDomain(host);
    if (err) at.at(i).error(err);
    const partial = checkPartialWildcard(host);
    if (partial) at.at(i).warn(partial);
  });
}
