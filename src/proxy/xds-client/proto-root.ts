import protobuf from 'protobufjs';
import { loadEnvoyProtos } from '../../shared/envoy-proto-loader.js';

/**
 * The proxy's own loader of Envoy's v3 protos. It reads them at run time from the `deps/`
 * folder `@grpc/grpc-js-xds` ships, like the controller does, but stays separate because
 * src/proxy may not import the control plane. Besides the discovery service and the five
 * resource types it loads every extension whose config a Plexus filter may parse, so that
 * nested `Any`s decode into objects instead of staying bytes.
 */
const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  'envoy/extensions/filters/http/grpc_web/v3/grpc_web.proto',
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
];

/** A decoded message as a plain object with Envoy's snake_case field names. */
export type ProtoJson = Record<string, unknown>;

/** A packed `google.protobuf.Any` straight off the wire. */
export interface WireAny {
  readonly type_url: string;
  readonly value: Uint8Array;
}

/**
 * How resources become JSON: nested `Any`s expanded with `@type` (the shape of Envoy's
 * config_dump), enums by name, 64-bit integers and bytes as strings, absent fields left out
 * so that "unset" and "default" stay distinguishable.
 */
const JSON_OPTIONS: protobuf.IConversionOptions = { json: true, longs: String, enums: String, bytes: String, defaults: false, oneofs: false };

/** Envelope messages keep `Any`s packed: each resource is decoded on its own. */
const ENVELOPE_OPTIONS: protobuf.IConversionOptions = { longs: String, enums: String, bytes: Buffer, defaults: false, oneofs: false };

/**
 * Extensions loaded into the root the first time one of their types is needed (a config that
 * uses them, or a client that speaks them): few proxies meet them, and each costs megabytes.
 */
const ON_DEMAND: ReadonlyArray<{ readonly prefix: string; readonly file: string }> = [
  { prefix: 'envoy.extensions.filters.http.ext_authz.v3.', file: 'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto' },
  { prefix: 'envoy.service.auth.v3.', file: 'envoy/service/auth/v3/external_auth.proto' },
];

let cached: protobuf.Root | undefined;
const loadedOnDemand = new Set<string>();

/** The loaded proto root; loaded once per process on first use. */
export function proxyProtoRoot(): protobuf.Root {
  cached ??= loadEnvoyProtos(PROTO_FILES);
  return cached;
}

/**
 * Loads the on-demand extensions a resource nests in its `Any`s (an ext_authz filter inside a
 * listener), so that they decode to objects instead of staying bytes: their type URLs sit in the
 * encoded bytes as plain strings.
 */
function loadNestedOnDemand(bytes: Uint8Array): void {
  if (loadedOnDemand.size === ON_DEMAND.length) return;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const o of ON_DEMAND) if (!loadedOnDemand.has(o.file) && buf.includes(o.prefix, 0, 'latin1')) proxyProtoRootWith(o.prefix);
}

/** The root with the on-demand extension that defines `fullName` (a message or enum) loaded. */
export function proxyProtoRootWith(fullName: string): protobuf.Root {
  const root = proxyProtoRoot();
  const extra = ON_DEMAND.find((o) => fullName.startsWith(o.prefix));
  if (extra && !loadedOnDemand.has(extra.file)) {
    root.loadSync(extra.file, { keepCase: true });
    root.resolveAll();
    loadedOnDemand.add(extra.file);
  }
  return root;
}

export { typeNameOf } from '../../shared/xds-type-urls.js';
import { typeNameOf } from '../../shared/xds-type-urls.js';

/** The message type a type URL names, or undefined when it is not among the loaded protos. */
export function lookupMessage(typeUrl: string): protobuf.Type | undefined {
  try {
    const name = typeNameOf(typeUrl);
    const found = proxyProtoRootWith(name).lookup(name);
    return found instanceof protobuf.Type ? found : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decodes one packed resource into JSON with `@type` first. Throws when the bytes do not
 * parse as the named type; returns undefined when the type is unknown.
 */
export function decodeAnyToJson(any: WireAny): ProtoJson | undefined {
  loadNestedOnDemand(any.value);
  const type = lookupMessage(any.type_url);
  if (!type) return undefined;
  const body = type.toObject(type.decode(any.value), JSON_OPTIONS) as ProtoJson;
  return { '@type': any.type_url, ...body };
}

/** Encodes a plain object as `fullName` (tests and the ADS client's requests). */
export function encodeMessage(fullName: string, value: ProtoJson): Uint8Array {
  const type = proxyProtoRootWith(fullName).lookupType(fullName);
  return type.encode(type.fromObject(value)).finish();
}

/** Packs a message into a wire `Any` (tests build resources with it). */
export function packAny(fullName: string, value: ProtoJson): WireAny {
  return { type_url: `type.googleapis.com/${fullName}`, value: encodeMessage(fullName, value) };
}

/** A serializer for grpc-js. */
export function serializerOf(fullName: string): (value: ProtoJson) => Buffer {
  const type = proxyProtoRootWith(fullName).lookupType(fullName);
  return (value) => Buffer.from(type.encode(type.fromObject(value)).finish());
}

/** A deserializer for grpc-js that keeps nested `Any`s packed. */
export function envelopeDeserializerOf(fullName: string): (bytes: Buffer) => ProtoJson {
  const type = proxyProtoRootWith(fullName).lookupType(fullName);
  return (bytes) => type.toObject(type.decode(bytes), ENVELOPE_OPTIONS) as ProtoJson;
}
