import type { Reporter } from '../../diagnostic.js';
import { checkDuration, checkLabelKey, checkLabelValue, checkPort, checkWildcardDomain, isDNS1123Label, parseDurationMs } from '../../validation/common.js';
import { validateClientTls } from '../destination-rule/client-tls.js';
import { validateLocalityLbSetting } from '../destination-rule/load-balancer.js';
import { validateExtensionProviders } from './extension-providers.js';
import { validateProxyConfig } from './proxy-config-rules.js';
import type { LabelSelector, MeshConfig } from './types.js';

const ECDH_CURVES = new Set(['P-224', 'P-256', 'P-521', 'P-384', 'X25519', 'CECPQ2']);
const SELECTOR_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && (o as Record<string, unknown>)[k] !== null;

/** Istio's ValidateMeshConfig, applied to the fields present (absent ones take Istio's defaults). */
export function validateMeshConfig(mesh: MeshConfig, at: Reporter): void {
  for (const f of ['proxyListenPort', 'proxyInboundListenPort', 'proxyHttpPort'] as const) {
    // proxyHttpPort 0 means "no HTTP proxy port"; the listen ports must be real ports.
    if (!has(mesh, f) || (f === 'proxyHttpPort' && Number(mesh[f]) === 0)) continue;
    const err = checkPort(mesh[f]);
    if (err) at.at(f).error(err);
  }
  if (has(mesh, 'connectTimeout')) {
    const err = checkDuration(mesh.connectTimeout);
    if (err) at.at('connectTimeout').error(`invalid connect timeout: ${err}`);
    else if ((parseDurationMs(String(mesh.connectTimeout)) ?? 0) > 3600000) at.at('connectTimeout').error('invalid connect timeout: must be at most 1h');
  }
  if (has(mesh, 'protocolDetectionTimeout')) {
    const ms = parseDurationMs(String(mesh.protocolDetectionTimeout));
    if (ms === undefined) at.at('protocolDetectionTimeout').error(`invalid duration ${JSON.stringify(mesh.protocolDetectionTimeout)}`);
    else if (ms < 0) at.at('protocolDetectionTimeout').error('protocol detection timeout must not be negative');
    else if (Math.abs(ms - Math.round(ms)) > 1e-9) at.at('protocolDetectionTimeout').error('only durations to ms precision are supported');
    else if (ms > 0) at.at('protocolDetectionTimeout').warn('a protocol detection timeout can break server-first protocols; 0s (none) is recommended');
  }
  if (has(mesh, 'dnsRefreshRate')) {
    const err = checkDuration(mesh.dnsRefreshRate);
    if (err) at.at('dnsRefreshRate').error(err);
  }
  if (has(mesh, 'defaultConfig')) validateProxyConfig(mesh.defaultConfig ?? {}, at.at('defaultConfig'));
  if (mesh.localityLbSetting) validateLocalityLbSetting(mesh.localityLbSetting, true, at.at('localityLbSetting'));
  (mesh.serviceSettings ?? []).forEach((s, i) => {
    (s?.hosts ?? []).forEach((h, j) => {
      const err = checkWildcardDomain(h);
      if (err) at.at('serviceSettings').at(i).at('hosts').at(j).error(err);
    });
  });
  validateTrustDomains(mesh, at);
  validateExtensionProviders(mesh.extensionProviders as Record<string, unknown>[] | undefined, at.at('extensionProviders'));
  validateDefaultProviders(mesh, at.at('defaultProviders'));
  if (mesh.meshMTLS?.ecdhCurves !== undefined) at.at('meshMTLS').at('ecdhCurves').error('mesh TLS does not support ECDH curves configuration');
  validateTlsDefaults(mesh, at.at('tlsDefaults'));
  (mesh.discoverySelectors ?? []).forEach((s, i) => validateLabelSelector(s, at.at('discoverySelectors').at(i)));
  for (const [i, scope] of ((mesh.serviceScopeConfigs as { namespaceSelector?: LabelSelector; servicesSelector?: LabelSelector }[] | undefined) ?? []).entries()) {
    if (scope?.namespaceSelector) validateLabelSelector(scope.namespaceSelector, at.at('serviceScopeConfigs').at(i).at('namespaceSelector'));
    if (scope?.servicesSelector) validateLabelSelector(scope.servicesSelector, at.at('serviceScopeConfigs').at(i).at('servicesSelector'));
  }
  if (has(mesh, 'rootNamespace') && !isDNS1123Label(String(mesh.rootNamespace))) at.at('rootNamespace').error(`rootNamespace ${JSON.stringify(mesh.rootNamespace)} must be a valid namespace name`);
  const caTls = (mesh.ca as { tlsSettings?: unknown } | undefined)?.tlsSettings;
  if (caTls) validateClientTls(caTls, at.at('ca').at('tlsSettings'));
  ((mesh.configSources as { tlsSettings?: unknown }[] | undefined) ?? []).forEach((c, i) => {
    if (c?.tlsSettings) validateClientTls(c.tlsSettings, at.at('configSources').at(i).at('tlsSettings'));
  });
  if (has(mesh, 'compliancePolicy') && !['', 'fips-140-2', 'pq'].includes(String(mesh.compliancePolicy))) {
    at.at('compliancePolicy').warn(`unknown compliance policy ${JSON.stringify(mesh.compliancePolicy)}`);
  }
}

/** A trust domain: dot-separated DNS labels, a trailing dot allowed. */
function checkTrustDomain(domain: string): string | undefined {
  if (domain === '') return 'empty domain name not allowed';
  const parts = domain.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (!isDNS1123Label(parts[i])) return `trust domain name ${JSON.stringify(domain)} invalid`;
  }
  return undefined;
}

function validateTrustDomains(mesh: MeshConfig, at: Reporter): void {
  if (has(mesh, 'trustDomain')) {
    const err = checkTrustDomain(String(mesh.trustDomain));
    if (err) at.at('trustDomain').error(err);
  }
  (mesh.trustDomainAliases ?? []).forEach((d, i) => {
    const err = checkTrustDomain(d);
    if (err) at.at('trustDomainAliases').at(i).error(err);
  });
}

function validateDefaultProviders(mesh: MeshConfig, at: Reporter): void {
  const known = new Set((mesh.extensionProviders ?? []).map((p) => p?.name));
  // Istio's built-in providers exist even when the user lists none.
  for (const builtIn of ['prometheus', 'stackdriver', 'envoy']) known.add(builtIn);
  for (const f of ['tracing', 'metrics', 'accessLogging'] as const) {
    (mesh.defaultProviders?.[f] ?? []).forEach((name, i) => {
      if (!known.has(name)) at.at(f).at(i).warn(`default provider ${JSON.stringify(name)} is not defined in extensionProviders`);
    });
  }
}

function validateTlsDefaults(mesh: MeshConfig, at: Reporter): void {
  const seen = new Set<string>();
  (mesh.tlsDefaults?.ecdhCurves ?? []).forEach((c, i) => {
    if (c === '') return;
    if (!ECDH_CURVES.has(c)) at.at('ecdhCurves').at(i).warn(`unrecognized ECDH curve ${JSON.stringify(c)}`);
    else if (seen.has(c)) at.at('ecdhCurves').at(i).warn(`duplicate ECDH curve ${JSON.stringify(c)}`);
    seen.add(c);
  });
}

/** A Kubernetes label selector, as `LabelSelectorAsSelector` accepts it. */
export function validateLabelSelector(sel: LabelSelector, at: Reporter): void {
  if (!sel) return;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const err = checkLabelKey(k) ?? (typeof v === 'string' ? checkLabelValue(v) : 'label value must be a string');
    if (err) at.at('matchLabels').at(k).error(err);
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const atE = at.at('matchExpressions').at(i);
    if (!e) return atE.error('a match expression must not be null');
    const keyErr = checkLabelKey(e.key ?? '');
    if (keyErr) atE.at('key').error(keyErr);
    if (!SELECTOR_OPERATORS.has(e.operator)) return atE.at('operator').error(`unknown operator ${JSON.stringify(e.operator)}; expected In, NotIn, Exists or DoesNotExist`);
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) atE.at('values').error(`operator ${e.operator} requires at least one value`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) atE.at('values').error(`operator ${e.operator} takes no values`);
    values.forEach((v, j) => {
      const err = checkLabelValue(v);
      if (err) atE.at('values').at(j).error(err);
    });
  });
}
