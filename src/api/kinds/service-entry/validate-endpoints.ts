import type { Reporter } from '../../diagnostic.js';
import { checkFQDN, isIP } from '../../validation/common.js';
import { validateWorkloadFields } from '../workload-entry/workload-fields.js';
import type { WorkloadEntrySpec } from '../workload-entry/types.js';
import { UNIX_ADDRESS_PREFIX } from '../workload-entry/unix-address.js';
import type { ServiceEntryResolution, ServiceEntrySpec } from './types.js';

/**
 * The resolution-specific rules: which endpoints each mode allows and how their addresses
 * must look. `at` points at `spec`.
 */
export function validateResolution(spec: ServiceEntrySpec, resolution: ServiceEntryResolution, servicePorts: ReadonlySet<string>, at: Reporter): void {
  const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints : undefined;
  const eat = at.at('endpoints');
  switch (resolution) {
    case 'NONE':
      if (endpoints) eat.error('endpoints cannot be set when resolution is NONE');
      if (spec.workloadSelector) at.at('workloadSelector').warn('workloadSelector has no effect when resolution is NONE');
      break;
    case 'STATIC':
      endpoints?.forEach((ep, i) => {
        if (!isObject(ep)) return eat.at(i).error('endpoint may not be null');
        validateWorkloadFields(ep, eat.at(i), { level: 'full', allowHostname: false, servicePorts });
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (!endpoints || endpoints.length === 0) {
        // The hosts themselves are resolved, so they must be resolvable names.
        (spec.hosts ?? []).forEach((h, i) => {
          if (checkFQDN(String(h))) at.at('hosts').at(i).error(`host ${JSON.stringify(h)} must be a fully qualified name when resolution is ${resolution} and no endpoints are given`);
        });
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints && endpoints.length > 1) eat.error(`resolution DNS_ROUND_ROBIN allows at most one endpoint, got ${endpoints.length}`);
      endpoints?.forEach((ep, i) => {
        if (!isObject(ep)) return eat.at(i).error('endpoint may not be null');
        validateDnsEndpoint(ep, eat.at(i), servicePorts);
      });
      // DNS modes take their endpoints from names, never from selected workloads.
      if (spec.workloadSelector) at.at('workloadSelector').warn(`workloadSelector has no effect when resolution is ${resolution}`);
      break;
  }
}

function validateDnsEndpoint(ep: WorkloadEntrySpec, at: Reporter, servicePorts: ReadonlySet<string>): void {
  const address = typeof ep.address === 'string' ? ep.address : '';
  if (address.startsWith(UNIX_ADDRESS_PREFIX)) at.at('address').error('unix socket endpoints cannot be resolved with DNS; use resolution STATIC');
  else if (!isIP(address) && checkFQDN(address)) at.at('address').error(`endpoint address ${JSON.stringify(address)} is neither an IP address nor a valid DNS name`);
  validateWorkloadFields(ep, at, { level: 'full', allowHostname: true, servicePorts, addressChecked: true });
}

const isObject = (v: unknown): v is WorkloadEntrySpec => typeof v === 'object' && v !== null;
