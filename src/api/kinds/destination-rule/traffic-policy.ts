import type { Reporter } from '../../diagnostic.js';
import { checkFQDN, checkPort, isIP } from '../../validation/common.js';
import { validateClientTls } from './client-tls.js';
import { validateConnectionPool } from './connection-pool.js';
import { validateLoadBalancer } from './load-balancer.js';
import { validateOutlierDetection } from './outlier-detection.js';
import { toInt } from './networking-rules.js';

const POLICY_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol', 'retryBudget'];
const PORT_POLICY_FIELDS = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'];

/** Semantic rules of a `TrafficPolicy` (destination-wide or per subset). */
export function validateTrafficPolicy(value: unknown, at: Reporter, namespace: string | undefined): void {
  if (!isObject(value)) return;
  if (!POLICY_FIELDS.some((f) => isSet(value[f]))) {
    at.error('traffic policy must set at least one field');
    return;
  }
  if (isSet(value.tunnel) && isSet(value.proxyProtocol)) {
    at.error('tunnel and proxyProtocol cannot be set together');
    return;
  }
  validateOutlierDetection(value.outlierDetection, at.at('outlierDetection'));
  validateConnectionPool(value.connectionPool, at.at('connectionPool'));
  validateLoadBalancer(value.loadBalancer, value.outlierDetection, at.at('loadBalancer'));
  validateClientTls(value.tls, at.at('tls'), { namespace });
  if (Array.isArray(value.portLevelSettings)) validatePortLevelSettings(value.portLevelSettings, at.at('portLevelSettings'), namespace);
  if (isObject(value.tunnel)) validateTunnel(value.tunnel, at.at('tunnel'));
  if (isObject(value.retryBudget)) {
    const pct = value.retryBudget.percent;
    if (pct !== undefined && pct !== null && !(Number(pct) >= 0 && Number(pct) <= 100)) at.at('retryBudget').at('percent').error(`percent ${String(pct)} is not in range 0..100`);
  }
}

function validatePortLevelSettings(list: unknown[], at: Reporter, namespace: string | undefined): void {
  if (list.length > 4096) at.error('at most 4096 port level settings are allowed');
  const seen = new Map<number, number>();
  list.forEach((item, i) => {
    const pat = at.at(i);
    if (!isObject(item)) {
      pat.error('port traffic policy may not be null');
      return;
    }
    if (!isObject(item.port)) pat.at('port').error('port is required in a port traffic policy');
    else {
      const n = toInt(item.port.number) ?? 0;
      const first = seen.get(n);
      if (first !== undefined) pat.at('port').at('number').warn(`port ${n} already has settings at portLevelSettings[${first}]; only one of them applies`);
      else seen.set(n, i);
      if (n === 0) pat.at('port').at('number').warn('port number 0 never matches a service port');
    }
    if (!PORT_POLICY_FIELDS.some((f) => isSet(item[f]))) {
      pat.error('port traffic policy must set at least one of loadBalancer, connectionPool, outlierDetection or tls');
      return;
    }
    validateOutlierDetection(item.outlierDetection, pat.at('outlierDetection'));
    validateConnectionPool(item.connectionPool, pat.at('connectionPool'));
    validateLoadBalancer(item.loadBalancer, item.outlierDetection, pat.at('loadBalancer'));
    validateClientTls(item.tls, pat.at('tls'), { namespace });
  });
}

function validateTunnel(tunnel: Record<string, unknown>, at: Reporter): void {
  const protocol = tunnel.protocol;
  if (protocol !== undefined && protocol !== null && protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') {
    at.at('protocol').error('tunnel protocol must be "CONNECT" or "POST"');
  }
  const host = typeof tunnel.targetHost === 'string' ? tunnel.targetHost : '';
  if (host === '') at.at('targetHost').error('tunnel targetHost is required');
  else if (checkFQDN(host) && !isIP(host)) at.at('targetHost').error(`tunnel targetHost ${JSON.stringify(host)} must be a valid FQDN or IP address`);
  const portErr = checkPort(toInt(tunnel.targetPort) ?? 0);
  if (portErr) at.at('targetPort').error(`tunnel targetPort is invalid: ${portErr}`);
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
