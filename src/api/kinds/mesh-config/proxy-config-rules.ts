import type { Reporter } from '../../diagnostic.js';
import { checkDuration, checkFQDN, checkPort, isIP, parseDurationMs } from '../../validation/common.js';
import { validateClientTls } from '../destination-rule/client-tls.js';
import type { ProxyConfig } from './types.js';

/** Why `host:port` is not a proxy address, or undefined. `$(HOST_IP)` stands for the node's IP. */
export function checkProxyAddress(address: string): string | undefined {
  const addr = address.replace('$(HOST_IP)', '127.0.0.1');
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr) ?? /^(?:\[([^\]]+)\]|([^:]*)):([^:]*)$/.exec(addr);
  if (!m) return `${JSON.stringify(address)} is not of the form host:port`;
  const host = m[1] ?? m[2];
  const port = m[3];
  if (!/^\d+$/.test(port)) return `port ${JSON.stringify(port)} of ${JSON.stringify(address)} is not a number`;
  const portErr = checkPort(Number(port));
  if (portErr) return portErr;
  if (checkFQDN(host) && !isIP(host)) return `${JSON.stringify(host)} is not a valid hostname or an IP address`;
  return undefined;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && (o as Record<string, unknown>)[k] !== null;

/**
 * Istio validates `defaultConfig` after merging it over its defaults, so only fields the
 * user wrote can be wrong; they are checked here with Istio's rules.
 */
export function validateProxyConfig(pc: ProxyConfig, at: Reporter): void {
  if (has(pc, 'configPath') && pc.configPath === '') at.at('configPath').error('config path must be set');
  if (has(pc, 'binaryPath') && pc.binaryPath === '') at.at('binaryPath').error('binary path must be set');
  if (has(pc, 'serviceCluster') && pc.serviceCluster === '') at.at('serviceCluster').error('service cluster must not be empty');
  if (has(pc, 'drainDuration')) {
    const err = checkDuration(pc.drainDuration);
    if (err) at.at('drainDuration').error(`invalid drain duration: ${err}`);
    else if ((parseDurationMs(String(pc.drainDuration)) ?? 0) % 1000 !== 0) at.at('drainDuration').error('drain duration only supports whole seconds');
  }
  for (const f of ['terminationDrainDuration', 'connectTimeout'] as const) {
    if (has(pc, f)) {
      const err = checkDuration(pc[f]);
      if (err) at.at(f).error(err);
    }
  }
  if (has(pc, 'discoveryAddress')) {
    if (pc.discoveryAddress === '') at.at('discoveryAddress').error('discovery address must be set to the control plane address');
    else {
      const err = checkProxyAddress(String(pc.discoveryAddress));
      if (err) at.at('discoveryAddress').error(`invalid discovery address: ${err}`);
    }
  }
  for (const f of ['proxyAdminPort', 'statusPort'] as const) {
    if (has(pc, f)) {
      const err = checkPort(pc[f]);
      if (err) at.at(f).error(err);
    }
  }
  for (const f of ['statsdUdpAddress', 'envoyMetricsServiceAddress'] as const) {
    const v = pc[f];
    if (typeof v === 'string' && v !== '') {
      const err = checkProxyAddress(v);
      if (err) at.at(f).error(err);
    }
  }
  for (const f of ['envoyMetricsService', 'envoyAccessLogService'] as const) {
    const svc = pc[f] as { address?: string; tlsSettings?: unknown } | undefined;
    if (svc?.address) {
      const err = checkProxyAddress(svc.address);
      if (err) at.at(f).at('address').error(err);
    }
    if (svc?.tlsSettings) validateClientTls(svc.tlsSettings, at.at(f).at('tlsSettings'));
  }
  if (typeof pc.concurrency === 'number' && pc.concurrency < 0) at.at('concurrency').error('concurrency must be greater than or equal to 0');
  validateTracing(pc.tracing, at.at('tracing'));
}

function validateTracing(tracing: Record<string, unknown> | undefined, at: Reporter): void {
  if (!tracing) return;
  for (const tracer of ['zipkin', 'datadog', 'lightstep'] as const) {
    const t = tracing[tracer] as { address?: string; accessToken?: string } | undefined;
    if (!t) continue;
    const err = checkProxyAddress(t.address ?? '');
    if (err) at.at(tracer).at('address').error(`invalid ${tracer} address: ${err}`);
    if (tracer === 'lightstep' && !t.accessToken) at.at(tracer).at('accessToken').error('access token is required');
  }
  if (tracing.tlsSettings) validateClientTls(tracing.tlsSettings, at.at('tlsSettings'));
  for (const [name, tag] of Object.entries((tracing.customTags as Record<string, unknown> | undefined) ?? {})) {
    if (tag === null || tag === undefined) at.at('customTags').at(name).error(`custom tag ${JSON.stringify(name)} must have a value`);
  }
}
