import type { Reporter } from '../../diagnostic.js';
import { checkIPOrCIDR, isDNS1123Label, isDNS1123Subdomain, isIP, validateLabels } from '../../validation/common.js';
import type { ServicePort, ServiceSpec } from './types.js';

// The API server's rules for a Service spec, which Istio relies on.

/** IANA service name: at most 15 characters, lowercase alphanumerics and '-', with a letter. */
function isIanaServiceName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

const inPortRange = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** Validates a Service spec as the Kubernetes API server does. */
export function validateService(spec: ServiceSpec, at: Reporter): void {
  const type = spec.type ?? 'ClusterIP';
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    if (!spec.externalName) at.at('externalName').error('externalName is required for type ExternalName');
    else if (!isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) at.at('externalName').error(`externalName ${JSON.stringify(spec.externalName)} must be a lowercase RFC 1123 subdomain`);
    if (spec.clusterIP && spec.clusterIP !== '') at.at('clusterIP').error('clusterIP must not be set for type ExternalName');
  } else {
    if (spec.externalName) at.at('externalName').warn(`externalName is ignored for type ${type}`);
    if (ports.length === 0 && !headless) at.at('ports').error(`ports are required for a ${type} service`);
  }
  if (spec.clusterIP && spec.clusterIP !== 'None' && !isIP(spec.clusterIP)) at.at('clusterIP').error(`clusterIP ${JSON.stringify(spec.clusterIP)} must be an IP address, "None" or empty`);
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (ip !== 'None' && !isIP(ip)) at.at('clusterIPs').at(i).error(`${JSON.stringify(ip)} must be an IP address or "None"`);
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) at.at('externalIPs').at(i).error(`${JSON.stringify(ip)} is not a valid IP address`);
  });
  (spec.loadBalancerSourceRanges ?? []).forEach((r, i) => {
    const err = checkIPOrCIDR(r);
    if (err) at.at('loadBalancerSourceRanges').at(i).error(err);
  });
  if (spec.selector && typeof spec.selector === 'object') validateLabels(spec.selector, at.at('selector'));
  if (spec.externalTrafficPolicy && type !== 'NodePort' && type !== 'LoadBalancer') {
    at.at('externalTrafficPolicy').error('externalTrafficPolicy may only be set for NodePort and LoadBalancer services');
  }
  validatePorts(ports, type, at.at('ports'));
}

function validatePorts(ports: ServicePort[], type: string, at: Reporter): void {
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((p, i) => {
    const atP = at.at(i);
    if (!p) return atP.error('a port must not be null');
    if (p.name === undefined || p.name === '') {
      if (ports.length > 1) atP.at('name').error('a name is required when a service has more than one port');
    } else if (!isDNS1123Label(p.name)) atP.at('name').error(`port name ${JSON.stringify(p.name)} must be a lowercase RFC 1123 label`);
    else if (names.has(p.name)) atP.at('name').error(`duplicate port name ${JSON.stringify(p.name)}`);
    else names.add(p.name);
    if (p.port === undefined) atP.at('port').error('port is required');
    else if (!inPortRange(p.port)) atP.at('port').error(`port number ${String(p.port)} must be in the range 1..65535`);
    const key = `${String(p.port)}/${p.protocol ?? 'TCP'}`;
    if (p.port !== undefined && numbers.has(key)) atP.error(`duplicate port ${key}`);
    numbers.add(key);
    const tp = p.targetPort as unknown;
    if (typeof tp === 'number') {
      if (!inPortRange(tp)) atP.at('targetPort').error(`targetPort ${tp} must be in the range 1..65535`);
    } else if (typeof tp === 'string') {
      if (/^\d+$/.test(tp)) {
        if (!inPortRange(Number(tp))) atP.at('targetPort').error(`targetPort ${tp} must be in the range 1..65535`);
      } else if (!isIanaServiceName(tp)) atP.at('targetPort').error(`targetPort ${JSON.stringify(tp)} must be a port number or an IANA service name (at most 15 lowercase characters)`);
    } else if (tp !== undefined && tp !== null) atP.at('targetPort').error('targetPort must be a number or a port name');
    if (p.nodePort !== undefined) {
      if (!inPortRange(p.nodePort)) atP.at('nodePort').error(`nodePort ${String(p.nodePort)} must be in the range 1..65535`);
      else if (type !== 'NodePort' && type !== 'LoadBalancer') atP.at('nodePort').error(`nodePort may not be set for type ${type}`);
    }
  });
}
