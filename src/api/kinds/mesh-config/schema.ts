import { any, bool, duration, enumOf, int32, list, map, message, str, uint32, wrappedBool, type Schema } from '../../schema/schema.js';
import { clientTlsSettingsSchema, localityLbSettingSchema } from '../destination-rule/schema.js';
import { defaultProvidersSchema, extensionProviderSchema } from './extension-providers.js';
import { proxyConfigSchema } from './proxy-config-schema.js';

// Every field of `istio.mesh.v1alpha1.MeshConfig`, so that misspelled keys are reported.

const labelSelectorSchema: Schema = message('LabelSelector', () => ({
  matchLabels: map(str()),
  matchExpressions: list(message('LabelSelectorRequirement', () => ({ key: str(), operator: str(), values: list(str()) }))),
}));

const tlsConfigSchema: Schema = message('TLSConfig', () => ({
  minProtocolVersion: enumOf('TLS_AUTO', 'TLSV1_2', 'TLSV1_3'),
  ecdhCurves: list(str()),
  cipherSuites: list(str()),
}));

/** Schema of MeshConfig. */
export const meshConfigSchema: Schema = message('MeshConfig', () => ({
  proxyListenPort: int32(),
  proxyInboundListenPort: int32(),
  proxyHttpPort: int32(),
  connectTimeout: duration(),
  protocolDetectionTimeout: duration(),
  tcpKeepalive: message('TcpKeepalive', () => ({ probes: uint32(), time: duration(), interval: duration() })),
  ingressClass: str(),
  ingressService: str(),
  ingressControllerMode: enumOf('UNSPECIFIED', 'OFF', 'DEFAULT', 'STRICT'),
  ingressSelector: str(),
  enableTracing: bool(),
  accessLogFile: str(),
  accessLogFormat: str(),
  accessLogEncoding: enumOf('TEXT', 'JSON'),
  enableEnvoyAccessLogService: bool(),
  disableEnvoyListenerLog: bool(),
  defaultConfig: proxyConfigSchema,
  outboundTrafficPolicy: message('OutboundTrafficPolicy', () => ({ mode: enumOf('REGISTRY_ONLY', 'ALLOW_ANY') })),
  inboundTrafficPolicy: message('InboundTrafficPolicy', () => ({ mode: enumOf('PASSTHROUGH', 'LOCALHOST') })),
  configSources: list(message('ConfigSource', () => ({ address: str(), tlsSettings: clientTlsSettingsSchema, subscribedResources: list(enumOf('SERVICE_REGISTRY')) }))),
  enableAutoMtls: wrappedBool(),
  trustDomain: str(),
  trustDomainAliases: list(str()),
  caCertificates: list(message('CertificateData', () => ({ pem: str(), spiffeBundleUrl: str(), certSigners: list(str()), trustDomains: list(str()) }), [['pem', 'spiffeBundleUrl']])),
  defaultServiceExportTo: list(str()),
  defaultVirtualServiceExportTo: list(str()),
  defaultDestinationRuleExportTo: list(str()),
  rootNamespace: str(),
  localityLbSetting: localityLbSettingSchema,
  dnsRefreshRate: duration(),
  h2UpgradePolicy: enumOf('DO_NOT_UPGRADE', 'UPGRADE'),
  inboundClusterStatName: str(),
  outboundClusterStatName: str(),
  certificates: list(message('Certificate', () => ({ secretName: str(), dnsNames: list(str()) }))),
  serviceSettings: list(message('ServiceSettings', () => ({ settings: message('ServiceSettings.Settings', () => ({ clusterLocal: bool() })), hosts: list(str()) }))),
  enablePrometheusMerge: wrappedBool(),
  verifyCertificateAtClient: wrappedBool(),
  ca: message('CA', () => ({ address: str(), tlsSettings: clientTlsSettingsSchema, requestTimeout: duration(), istiodSide: bool() })),
  extensionProviders: list(extensionProviderSchema),
  defaultProviders: defaultProvidersSchema,
  discoverySelectors: list(labelSelectorSchema),
  pathNormalization: message('ProxyPathNormalization', () => ({ normalization: enumOf('DEFAULT', 'NONE', 'BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES') })),
  // VirtualService's HTTPRetry; another kind owns its rules.
  defaultHttpRetryPolicy: any(),
  meshMTLS: tlsConfigSchema,
  tlsDefaults: tlsConfigSchema,
  compliancePolicy: str(),
  serviceScopeConfigs: list(message('ServiceScopeConfigs', () => ({
    namespaceSelector: labelSelectorSchema,
    servicesSelector: labelSelectorSchema,
    scope: enumOf('LOCAL', 'GLOBAL'),
  }))),
}));
