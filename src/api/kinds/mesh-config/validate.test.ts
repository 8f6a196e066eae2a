import { runValidationCases } from '../../testing/validation-cases.js';

const mesh = (body: string): string => `apiVersion: mesh.plexus.dev/v1alpha1
kind: MeshConfig
metadata: {name: mesh}
spec:
${body.replace(/^/gm, '  ')}`;

runValidationCases('MeshConfig', [
  {
    name: 'a typical mesh config', valid: true, noWarnings: true,
    yaml: mesh(`accessLogFile: /dev/stdout
enableAutoMtls: true
trustDomain: example.org
trustDomainAliases: [old.example.org, cluster.local]
rootNamespace: istio-system
outboundTrafficPolicy: {mode: REGISTRY_ONLY}
connectTimeout: 5s
defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
  holdApplicationUntilProxyStarts: true
  proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true"}
  tracing: {zipkin: {address: "$(HOST_IP):9411"}, sampling: 1.0}
extensionProviders:
- name: ext-authz
  envoyExtAuthzGrpc: {service: ext-authz.shop.svc.cluster.local, port: 9000}
- name: otel
  opentelemetry: {service: shop/otel-collector.observability.svc.cluster.local, port: 4317}
defaultProviders: {tracing: [otel]}
discoverySelectors:
- matchLabels: {istio-discovery: enabled}
- matchExpressions: [{key: app, operator: In, values: [cassandra, spark]}]
localityLbSetting: {enabled: true, failover: [{from: us-east, to: us-west}]}`),
  },
  { name: 'snake_case keys are accepted', valid: true, yaml: mesh('access_log_file: /dev/stdout\nenable_auto_mtls: false\nmesh_mTLS: {minProtocolVersion: TLSV1_3}') },
  { name: 'an unknown top-level field', valid: false, error: 'spec.acessLogFile: unknown field "acessLogFile" in MeshConfig', yaml: mesh('acessLogFile: /dev/stdout') },
  { name: 'an unknown defaultConfig field', valid: false, error: 'spec.defaultConfig.discoveryAddr: unknown field', yaml: mesh('defaultConfig: {discoveryAddr: "istiod:15012"}') },
  { name: 'an unknown outbound traffic mode', valid: false, error: 'spec.outboundTrafficPolicy.mode: unknown value "VIRTUAL_SERVICE_ONLY"', yaml: mesh('outboundTrafficPolicy: {mode: VIRTUAL_SERVICE_ONLY}') },
  { name: 'a proxy listen port out of range', valid: false, error: 'spec.proxyListenPort: port number 0 must be in the range 1..65535', yaml: mesh('proxyListenPort: 0') },
  { name: 'a connect timeout below 1ms', valid: false, error: 'spec.connectTimeout: invalid connect timeout: duration must be greater than 1ms', yaml: mesh('connectTimeout: 0s') },
  { name: 'a connect timeout above 1h', valid: false, error: 'spec.connectTimeout: invalid connect timeout: must be at most 1h', yaml: mesh('connectTimeout: 2h') },
  { name: 'a protocol detection timeout of 0s', valid: true, noWarnings: true, yaml: mesh('protocolDetectionTimeout: 0s') },
  { name: 'a protocol detection timeout below ms precision', valid: false, error: 'spec.protocolDetectionTimeout: only durations to ms precision', yaml: mesh('protocolDetectionTimeout: 1500us') },
  { name: 'an invalid trust domain', valid: false, error: 'spec.trustDomain: trust domain name "Example_Org" invalid', yaml: mesh('trustDomain: Example_Org') },
  { name: 'an empty trust domain alias', valid: false, error: 'spec.trustDomainAliases[1]: empty domain name not allowed', yaml: mesh('trustDomainAliases: [a.example, ""]') },
  { name: 'a discovery address without a port', valid: false, error: 'spec.defaultConfig.discoveryAddress: invalid discovery address', yaml: mesh('defaultConfig: {discoveryAddress: istiod.istio-system.svc}') },
  { name: 'a drain duration with a fraction of a second', valid: false, error: 'spec.defaultConfig.drainDuration: drain duration only supports whole seconds', yaml: mesh('defaultConfig: {drainDuration: 1500ms}') },
  { name: 'an empty config path', valid: false, error: 'spec.defaultConfig.configPath: config path must be set', yaml: mesh('defaultConfig: {configPath: ""}') },
  { name: 'INHERIT is not a control plane auth policy', valid: false, error: 'spec.defaultConfig.controlPlaneAuthPolicy: unknown value "INHERIT"', yaml: mesh('defaultConfig: {controlPlaneAuthPolicy: INHERIT}') },
  { name: 'a bad status port', valid: false, error: 'spec.defaultConfig.statusPort: port number 70000', yaml: mesh('defaultConfig: {statusPort: 70000}') },
  { name: 'a zipkin address that is not host:port', valid: false, error: 'spec.defaultConfig.tracing.zipkin.address: invalid zipkin address', yaml: mesh('defaultConfig: {tracing: {zipkin: {address: "zipkin"}}}') },
  { name: 'duplicate extension provider names warn', valid: true, warning: 'spec.extensionProviders[1].name: duplicate extension provider name "otel"', yaml: mesh('extensionProviders:\n- {name: otel, opentelemetry: {service: a.b.svc.cluster.local, port: 4317}}\n- {name: otel, zipkin: {service: c.d.svc.cluster.local, port: 9411}}') },
  { name: 'an extension provider without a port warns', valid: true, warning: 'spec.extensionProviders[0].envoyExtAuthzHttp.port: invalid extension provider authz', yaml: mesh('extensionProviders: [{name: authz, envoyExtAuthzHttp: {service: authz.shop.svc.cluster.local}}]') },
  { name: 'an extension provider with a short service name warns', valid: true, warning: 'spec.extensionProviders[0].zipkin.service', yaml: mesh('extensionProviders: [{name: z, zipkin: {service: "shop/zipkin", port: 9411}}]') },
  { name: 'two provider kinds in one entry', valid: false, error: 'spec.extensionProviders[0]: only one of zipkin, datadog may be set', yaml: mesh('extensionProviders: [{name: t, zipkin: {service: a.b.c, port: 1}, datadog: {service: a.b.c, port: 1}}]') },
  { name: 'an unknown provider kind', valid: false, error: 'spec.extensionProviders[0].jaeger: unknown field "jaeger"', yaml: mesh('extensionProviders: [{name: t, jaeger: {}}]') },
  { name: 'a default provider that is not defined warns', valid: true, warning: 'spec.defaultProviders.accessLogging[0]: default provider "otel-logs" is not defined', yaml: mesh('defaultProviders: {accessLogging: [otel-logs]}') },
  { name: 'a discovery selector with a bad operator', valid: false, error: 'spec.discoverySelectors[0].matchExpressions[0].operator: unknown operator "Equals"', yaml: mesh('discoverySelectors: [{matchExpressions: [{key: env, operator: Equals, values: [prod]}]}]') },
  { name: 'Exists with values', valid: false, error: 'spec.discoverySelectors[0].matchExpressions[0].values: operator Exists takes no values', yaml: mesh('discoverySelectors: [{matchExpressions: [{key: env, operator: Exists, values: [prod]}]}]') },
  { name: 'a bad discovery selector label', valid: false, error: 'spec.discoverySelectors[0].matchLabels.env: invalid label value', yaml: mesh('discoverySelectors: [{matchLabels: {env: "pro d"}}]') },
  { name: 'locality distribute and failover together', valid: false, error: 'spec.localityLbSetting: distribute and failover cannot be set together', yaml: mesh('localityLbSetting: {distribute: [{from: "a/*", to: {"b/*": 100}}], failover: [{from: a, to: b}]}') },
  { name: 'locality weights not adding up to 100', valid: false, error: 'spec.localityLbSetting.distribute[0].to: total locality weight 90 != 100', yaml: mesh('localityLbSetting: {distribute: [{from: "a/*", to: {"a/*": 60, "b/*": 30}}]}') },
  { name: 'ECDH curves on mesh mTLS', valid: false, error: 'spec.meshMTLS.ecdhCurves: mesh TLS does not support ECDH curves', yaml: mesh('meshMTLS: {ecdhCurves: [P-256]}') },
  { name: 'an unknown ECDH curve in tlsDefaults warns', valid: true, warning: 'spec.tlsDefaults.ecdhCurves[0]: unrecognized ECDH curve "P-512"', yaml: mesh('tlsDefaults: {ecdhCurves: [P-512]}') },
  { name: 'a bad service settings host', valid: false, error: 'spec.serviceSettings[0].hosts[0]', yaml: mesh('serviceSettings: [{settings: {clusterLocal: true}, hosts: ["foo..bar"]}]') },
  { name: 'a CA certificate with pem and a bundle URL', valid: false, error: 'spec.caCertificates[0]: only one of pem, spiffeBundleUrl may be set', yaml: mesh('caCertificates: [{pem: "x", spiffeBundleUrl: "https://a.example/bundle"}]') },
]);
