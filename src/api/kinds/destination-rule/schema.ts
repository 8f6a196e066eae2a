import { bool, duration, enumOf, int, int32, list, map, message, num, str, uint32, wrappedBool, wrappedUint32, type Schema } from '../../schema/schema.js';

// Schemas of DestinationRule and the messages other kinds reuse (Sidecar's inbound connection
// pool, MeshConfig's TLS settings). Enum values are listed in proto number order, because
// protojson also accepts an enum by number.

/** `istio.networking.v1alpha3.PortSelector`. */
export const portSelectorSchema: Schema = message('PortSelector', () => ({ number: uint32() }));

const tcpKeepaliveSchema = message('TcpKeepalive', () => ({ probes: uint32(), time: duration(), interval: duration() }));

/** `ConnectionPoolSettings` (tcp and http), shared with Sidecar. */
export const connectionPoolSettingsSchema: Schema = message('ConnectionPoolSettings', () => ({
  tcp: message('TCPSettings', () => ({
    maxConnections: int32(),
    connectTimeout: duration(),
    tcpKeepalive: tcpKeepaliveSchema,
    maxConnectionDuration: duration(),
    idleTimeout: duration(),
  })),
  http: message('HTTPSettings', () => ({
    http1MaxPendingRequests: int32(),
    http2MaxRequests: int32(),
    maxRequestsPerConnection: int32(),
    maxRetries: int32(),
    idleTimeout: duration(),
    h2UpgradePolicy: enumOf('DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'),
    useClientProtocol: bool(),
    maxConcurrentStreams: int32(),
    http2KeepAlive: message('HTTP2KeepAlive', () => ({ interval: duration(), timeout: duration() })),
  })),
}));

/** `ClientTLSSettings`, shared with MeshConfig. */
export const clientTlsSettingsSchema: Schema = message('ClientTLSSettings', () => ({
  mode: enumOf('DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'),
  clientCertificate: str(),
  privateKey: str(),
  caCertificates: str(),
  credentialName: str(),
  subjectAltNames: list(str()),
  sni: str(),
  insecureSkipVerify: wrappedBool(),
  caCrl: str(),
}));

const consistentHashSchema = message(
  'ConsistentHashLB',
  () => ({
    httpHeaderName: str(),
    httpCookie: message('HTTPCookie', () => ({ name: str(), path: str(), ttl: duration() })),
    useSourceIp: bool(),
    httpQueryParameterName: str(),
    ringHash: message('RingHash', () => ({ minimumRingSize: int(0) })),
    maglev: message('MagLev', () => ({ tableSize: int(0) })),
    minimumRingSize: int(0),
  }),
  [
    ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'],
    ['ringHash', 'maglev'],
  ],
);

/** `LocalityLoadBalancerSetting`, shared with MeshConfig. */
export const localityLbSettingSchema: Schema = message('LocalityLoadBalancerSetting', () => ({
  distribute: list(message('Distribute', () => ({ from: str(), to: map(uint32()) }))),
  failover: list(message('Failover', () => ({ from: str(), to: str() }))),
  failoverPriority: list(str()),
  enabled: wrappedBool(),
}));

/** `LoadBalancerSettings`. */
export const loadBalancerSettingsSchema: Schema = message(
  'LoadBalancerSettings',
  () => ({
    simple: enumOf('UNSPECIFIED', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'ROUND_ROBIN', 'LEAST_REQUEST'),
    consistentHash: consistentHashSchema,
    localityLbSetting: localityLbSettingSchema,
    warmupDurationSecs: duration(),
    warmup: message('WarmupConfiguration', () => ({ duration: duration(), minimumPercent: num(), aggression: num() })),
  }),
  [['simple', 'consistentHash']],
);

/** `OutlierDetection`. */
export const outlierDetectionSchema: Schema = message('OutlierDetection', () => ({
  splitExternalLocalOriginErrors: bool(),
  consecutiveLocalOriginFailures: wrappedUint32(),
  consecutiveGatewayErrors: wrappedUint32(),
  consecutive5xxErrors: wrappedUint32(),
  consecutiveErrors: int32(),
  interval: duration(),
  baseEjectionTime: duration(),
  maxEjectionPercent: int32(),
  minHealthPercent: int32(),
}));

const portTrafficPolicySchema = message('PortTrafficPolicy', () => ({
  port: portSelectorSchema,
  loadBalancer: loadBalancerSettingsSchema,
  connectionPool: connectionPoolSettingsSchema,
  outlierDetection: outlierDetectionSchema,
  tls: clientTlsSettingsSchema,
}));

/** `TrafficPolicy`. */
export const trafficPolicySchema: Schema = message('TrafficPolicy', () => ({
  loadBalancer: loadBalancerSettingsSchema,
  connectionPool: connectionPoolSettingsSchema,
  outlierDetection: outlierDetectionSchema,
  tls: clientTlsSettingsSchema,
  portLevelSettings: list(portTrafficPolicySchema),
  tunnel: message('TunnelSettings', () => ({ protocol: str(), targetHost: str(), targetPort: uint32() })),
  proxyProtocol: message('ProxyProtocol', () => ({ version: enumOf('V1', 'V2') })),
  retryBudget: message('RetryBudget', () => ({ percent: num(), minRetryConcurrency: uint32() })),
}));

/** `istio.type.v1beta1.WorkloadSelector`. */
export const workloadSelectorSchema: Schema = message('WorkloadSelector', () => ({ matchLabels: map(str()) }));

/** Schema of a DestinationRule's spec. */
export const destinationRuleSchema: Schema = message('DestinationRule', () => ({
  host: str(),
  trafficPolicy: trafficPolicySchema,
  subsets: list(message('Subset', () => ({ name: str(), labels: map(str()), trafficPolicy: trafficPolicySchema }))),
  exportTo: list(str()),
  workloadSelector: workloadSelectorSchema,
}));
