import { any, bool, duration, enumOf, int32, list, map, message, num, str, wrappedBool, type Schema } from '../../schema/schema.js';
import { clientTlsSettingsSchema } from '../destination-rule/schema.js';

// `istio.mesh.v1alpha1.ProxyConfig` as found in MeshConfig `defaultConfig` (and in the
// `proxy.istio.io/config` annotation). Nested Envoy-facing messages that Plexus does not
// interpret are free-form.

const remoteServiceSchema: Schema = message('RemoteService', () => ({
  address: str(),
  tlsSettings: clientTlsSettingsSchema,
  tcpKeepalive: message('TcpKeepalive', () => ({ probes: num(), time: duration(), interval: duration() })),
}));

const tracingSchema: Schema = message(
  'Tracing',
  () => ({
    zipkin: message('Tracing.Zipkin', () => ({ address: str() })),
    lightstep: message('Tracing.Lightstep', () => ({ address: str(), accessToken: str() })),
    datadog: message('Tracing.Datadog', () => ({ address: str() })),
    stackdriver: any(),
    openCensusAgent: any(),
    customTags: map(any()),
    maxPathTagLength: num(),
    sampling: num(),
    tlsSettings: clientTlsSettingsSchema,
    enableIstioTags: wrappedBool(),
  }),
  [['zipkin', 'lightstep', 'datadog', 'stackdriver', 'openCensusAgent']],
);

/** Schema of `ProxyConfig` (mesh/v1alpha1/proxy.proto). */
export const proxyConfigSchema: Schema = message(
  'ProxyConfig',
  () => ({
    configPath: str(),
    binaryPath: str(),
    serviceCluster: str(),
    tracingServiceName: enumOf('APP_LABEL_AND_NAMESPACE', 'CANONICAL_NAME_ONLY', 'CANONICAL_NAME_AND_NAMESPACE'),
    drainDuration: duration(),
    parentShutdownDuration: duration(),
    discoveryAddress: str(),
    discoveryRefreshDelay: duration(),
    zipkinAddress: str(),
    connectTimeout: duration(),
    statsdUdpAddress: str(),
    envoyMetricsServiceAddress: str(),
    proxyAdminPort: int32(),
    availabilityZone: str(),
    controlPlaneAuthPolicy: enumOf('NONE', 'MUTUAL_TLS'),
    customConfigFile: str(),
    statNameLength: int32(),
    concurrency: int32(),
    proxyBootstrapTemplatePath: str(),
    interceptionMode: enumOf('REDIRECT', 'TPROXY', 'NONE'),
    tracing: tracingSchema,
    sds: any(),
    envoyAccessLogService: remoteServiceSchema,
    envoyMetricsService: remoteServiceSchema,
    proxyMetadata: map(str()),
    statusPort: int32(),
    extraStatTags: list(str()),
    gatewayTopology: any(),
    terminationDrainDuration: duration(),
    meshId: str(),
    readinessProbe: any(),
    proxyStatsMatcher: message('ProxyStatsMatcher', () => ({
      inclusionPrefixes: list(str()),
      inclusionSuffixes: list(str()),
      inclusionRegexps: list(str()),
    })),
    holdApplicationUntilProxyStarts: wrappedBool(),
    caCertificatesPem: list(str()),
    image: message('ProxyImage', () => ({ imageType: str() })),
    privateKeyProvider: any(),
    proxyHeaders: any(),
    runtimeValues: map(str()),
    fileFlushInterval: duration(),
    fileFlushMinSizeKb: num(),
    statsFlushInterval: duration(),
    statsCompression: bool(),
  }),
  [['serviceCluster', 'tracingServiceName']],
);
