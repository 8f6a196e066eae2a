import type { AnyTypeResolution } from '../../../shared/proto-json-check.js';
import { packageOf, type EnvoyTypeRegistry } from '../../../shared/envoy-type-registry.js';

// Packages whose messages istiod can resolve but the Envoy API copy Plexus reads (the one
// @grpc/grpc-js-xds ships) lacks: Istio's own filter configs, Envoy's contrib extensions and a few
// extensions newer than that copy. Istio registers every extension of go-control-plane.
const KNOWN_TO_ISTIO_ONLY: readonly string[] = [
  // Istio's own.
  'istio.envoy.config.filter.http.alpn.v2alpha1',
  'istio.envoy.config.filter.http.authn.v2alpha1',
  'istio.envoy.config.filter.http.jwt_auth.v2alpha1',
  'istio.envoy.config.filter.network.tcp_cluster_rewrite.v2alpha1',
  'envoy.tcp.metadataexchange.config',
  'stats',
  // Envoy contrib.
  'envoy.extensions.compression.qatzip.compressor.v3alpha',
  'envoy.extensions.compression.qatzstd.compressor.v3alpha',
  'envoy.extensions.config.v3alpha',
  'envoy.extensions.filters.http.checksum.v3alpha',
  'envoy.extensions.filters.http.dynamo.v3',
  'envoy.extensions.filters.http.golang.v3alpha',
  'envoy.extensions.filters.http.language.v3alpha',
  'envoy.extensions.filters.http.squash.v3',
  'envoy.extensions.filters.http.sxg.v3alpha',
  'envoy.extensions.filters.network.client_ssl_auth.v3',
  'envoy.extensions.filters.network.generic_proxy.codecs.kafka.v3',
  'envoy.extensions.filters.network.golang.v3alpha',
  'envoy.extensions.filters.network.kafka_broker.v3',
  'envoy.extensions.filters.network.kafka_mesh.v3alpha',
  'envoy.extensions.filters.network.mysql_proxy.v3',
  'envoy.extensions.filters.network.postgres_proxy.v3alpha',
  'envoy.extensions.filters.network.rocketmq_proxy.v3',
  'envoy.extensions.filters.network.sip_proxy.router.v3alpha',
  'envoy.extensions.filters.network.sip_proxy.tra.v3alpha',
  'envoy.extensions.filters.network.sip_proxy.v3alpha',
  'envoy.extensions.matching.input_matchers.hyperscan.v3alpha',
  'envoy.extensions.network.connection_balance.dlb.v3alpha',
  'envoy.extensions.private_key_providers.cryptomb.v3alpha',
  'envoy.extensions.private_key_providers.qat.v3alpha',
  'envoy.extensions.regex_engines.hyperscan.v3alpha',
  'envoy.extensions.router.cluster_specifier.golang.v3alpha',
  'envoy.extensions.tap_sinks.udp_sink.v3alpha',
  'envoy.extensions.upstreams.http.tcp.golang.v3alpha',
  'envoy.extensions.vcl.v3alpha',
  // Newer than Plexus's copy.
  'envoy.extensions.clusters.common.dns.v3',
  'envoy.extensions.clusters.dns.v3',
  'envoy.extensions.common.aws.v3',
  'envoy.extensions.dynamic_modules.v3',
  'envoy.extensions.filters.http.api_key_auth.v3',
  'envoy.extensions.filters.http.dynamic_modules.v3',
  'envoy.extensions.filters.http.grpc_json_reverse_transcoder.v3',
  'envoy.extensions.filters.http.proto_message_extraction.v3',
  'envoy.extensions.filters.network.generic_proxy.action.v3',
  'envoy.extensions.filters.network.generic_proxy.codecs.dubbo.v3',
  'envoy.extensions.filters.network.generic_proxy.codecs.http1.v3',
  'envoy.extensions.filters.network.generic_proxy.matcher.v3',
  'envoy.extensions.filters.network.generic_proxy.router.v3',
  'envoy.extensions.filters.network.generic_proxy.v3',
  'envoy.extensions.matching.input_matchers.metadata.v3',
  'envoy.extensions.quic.connection_debug_visitor.quic_stats.v3',
  'envoy.extensions.resource_monitors.cpu_utilization.v3',
  'envoy.watchdog.v3',
];

/**
 * The message type an `Any` in a patch value names, resolved the way istiod resolves it: any v3
 * Envoy message, the xds/udpa types (TypedStruct) and google.protobuf types resolve; the xDS v2
 * API does not (istiod no longer links it, although Plexus's proto copy still holds parts of it).
 */
export function resolvePatchAnyType(registry: EnvoyTypeRegistry, name: string, url: string): AnyTypeResolution {
  const pkg = packageOf(name);
  const istioOnly = KNOWN_TO_ISTIO_ONLY.includes(pkg);
  if (!istioOnly && pkg.startsWith('envoy.') && !pkg.split('.').some((p) => /^v([3-9]|\d\d+)(alpha\d*)?$/.test(p))) {
    return { error: `unknown type ${url}: xDS v2 types are not supported, use the v3 API` };
  }
  const found = registry.lookup(name);
  if ('type' in found) return { type: found.type };
  if ('failed' in found) return { unchecked: `type ${url} not checked: ${found.failed}` };
  if (istioOnly) {
    return { unchecked: `type ${url} is not in the Envoy API Plexus reads (Istio-specific, contrib or newer than it), so its content is not checked` };
  }
  if (found.missing === 'type') {
    const close = closestName(name, registry.messagesIn(pkg));
    return { error: `unknown type ${url}: package ${pkg} has no message ${name.slice(pkg.length + 1)}${close ? `; did you mean type.googleapis.com/${close}?` : ''}` };
  }
  return { error: `unknown type ${url}: no package ${pkg || '(none)'} in Envoy's API` };
}

function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return candidates.find((c) => c.toLowerCase() === lower) ?? candidates.find((c) => c.toLowerCase().replace(/_/g, '') === lower.replace(/_/g, ''));
}
