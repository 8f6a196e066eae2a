/** `istio.mesh.v1alpha1.MeshConfig`: mesh-wide settings (the fields Plexus reads are typed). */
export interface MeshConfig {
  proxyListenPort?: number;
  proxyInboundListenPort?: number;
  proxyHttpPort?: number;
  connectTimeout?: string;
  protocolDetectionTimeout?: string;
  ingressClass?: string;
  ingressService?: string;
  ingressControllerMode?: 'UNSPECIFIED' | 'OFF' | 'DEFAULT' | 'STRICT';
  ingressSelector?: string;
  enableTracing?: boolean;
  accessLogFile?: string;
  accessLogFormat?: string;
  accessLogEncoding?: 'TEXT' | 'JSON';
  defaultConfig?: ProxyConfig;
  outboundTrafficPolicy?: { mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY' };
  inboundTrafficPolicy?: { mode?: 'PASSTHROUGH' | 'LOCALHOST' };
  enableAutoMtls?: boolean;
  trustDomain?: string;
  trustDomainAliases?: string[];
  defaultServiceExportTo?: string[];
  defaultVirtualServiceExportTo?: string[];
  defaultDestinationRuleExportTo?: string[];
  rootNamespace?: string;
  localityLbSetting?: Record<string, unknown>;
  dnsRefreshRate?: string;
  h2UpgradePolicy?: 'DO_NOT_UPGRADE' | 'UPGRADE';
  serviceSettings?: { settings?: { clusterLocal?: boolean }; hosts?: string[] }[];
  enablePrometheusMerge?: boolean;
  extensionProviders?: ExtensionProvider[];
  defaultProviders?: { tracing?: string[]; metrics?: string[]; accessLogging?: string[] };
  discoverySelectors?: LabelSelector[];
  meshMTLS?: TlsConfig;
  tlsDefaults?: TlsConfig;
  [field: string]: unknown;
}

/** `ProxyConfig`: per-proxy defaults (`defaultConfig`). */
export interface ProxyConfig {
  configPath?: string;
  binaryPath?: string;
  serviceCluster?: string;
  drainDuration?: string;
  terminationDrainDuration?: string;
  discoveryAddress?: string;
  proxyAdminPort?: number;
  statusPort?: number;
  controlPlaneAuthPolicy?: 'NONE' | 'MUTUAL_TLS';
  statNameLength?: number;
  concurrency?: number;
  tracing?: Record<string, unknown>;
  proxyMetadata?: Record<string, string>;
  holdApplicationUntilProxyStarts?: boolean;
  [field: string]: unknown;
}

/** `MeshConfig.ExtensionProvider`: a name and exactly one provider body. */
export interface ExtensionProvider {
  name: string;
  [provider: string]: unknown;
}

/** Kubernetes `LabelSelector`, used by `discoverySelectors`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** `MeshConfig.TLSConfig`. */
export interface TlsConfig {
  minProtocolVersion?: 'TLS_AUTO' | 'TLSV1_2' | 'TLSV1_3';
  ecdhCurves?: string[];
  cipherSuites?: string[];
}
