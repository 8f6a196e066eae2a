import type { MeshConfig } from './types.js';

/**
 * Istio's MeshConfig defaults that matter to Plexus (control plane and analysis). A fresh
 * object each call, so callers may modify it.
 */
export function defaultMeshConfig(): MeshConfig {
  return {
    rootNamespace: 'istio-system',
    trustDomain: 'cluster.local',
    trustDomainAliases: [],
    ingressClass: 'istio',
    ingressService: 'istio-ingressgateway',
    ingressControllerMode: 'STRICT',
    ingressSelector: 'ingressgateway',
    enableAutoMtls: true,
    enableTracing: true,
    enablePrometheusMerge: true,
    accessLogFile: '',
    accessLogFormat: '',
    accessLogEncoding: 'TEXT',
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    inboundTrafficPolicy: { mode: 'PASSTHROUGH' },
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
    connectTimeout: '10s',
    protocolDetectionTimeout: '0s',
    dnsRefreshRate: '60s',
    h2UpgradePolicy: 'DO_NOT_UPGRADE',
    defaultServiceExportTo: ['*'],
    defaultVirtualServiceExportTo: ['*'],
    defaultDestinationRuleExportTo: ['*'],
    localityLbSetting: { enabled: true },
    serviceSettings: [],
    defaultProviders: {},
    extensionProviders: [
      { name: 'prometheus', prometheus: {} },
      { name: 'stackdriver', stackdriver: {} },
      { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
    ],
    defaultConfig: {
      configPath: './etc/istio/proxy',
      binaryPath: '/usr/local/bin/envoy',
      serviceCluster: 'istio-proxy',
      drainDuration: '45s',
      terminationDrainDuration: '5s',
      discoveryAddress: 'istiod.istio-system.svc:15012',
      proxyAdminPort: 15000,
      statusPort: 15020,
      controlPlaneAuthPolicy: 'MUTUAL_TLS',
      statNameLength: 189,
      tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
      proxyMetadata: {},
    },
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeObjects(base: Record<string, unknown>, overlay: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(overlay)) {
    // null means "unset" in protojson: the base value stays.
    if (v === undefined || v === null) continue;
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeObjects(base[k] as Record<string, unknown>, v) : structuredClone(v);
  }
  return out;
}

/** Extension providers merge by name: an overlay entry replaces the base entry of that name. */
function mergeProviders(base: unknown, overlay: unknown): unknown {
  if (!Array.isArray(overlay)) return base;
  if (!Array.isArray(base)) return structuredClone(overlay);
  const byName = new Map<string, unknown>();
  for (const p of base) byName.set(String((p as { name?: string })?.name), p);
  for (const p of overlay) byName.set(String((p as { name?: string })?.name), structuredClone(p));
  return [...byName.values()];
}

/**
 * Applies a user's MeshConfig over a base (usually `defaultMeshConfig()`) the way Istio
 * reads its mesh ConfigMap: messages merge field by field (so `defaultConfig` keeps the
 * defaults the user did not override), lists and scalars replace, and extension
 * providers merge by name. Neither input is modified.
 */
export function mergeMeshConfig(base: MeshConfig, overlay: MeshConfig): MeshConfig {
  const merged = mergeObjects(base, { ...overlay, extensionProviders: undefined }) as MeshConfig;
  const providers = mergeProviders(base.extensionProviders, overlay.extensionProviders);
  if (providers !== undefined) merged.extensionProviders = structuredClone(providers) as MeshConfig['extensionProviders'];
  return merged;
}
