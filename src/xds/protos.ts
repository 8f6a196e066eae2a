import protobuf from 'protobufjs';
import { loadEnvoyProtos } from '../shared/envoy-proto-loader.js';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { TYPE_PREFIX, typeNameOf } from './type-urls.js';

/**
 * Envoy's v3 protos, loaded at run time from the `deps/` folder that `@grpc/grpc-js-xds`
 * ships (envoy-api, xds, googleapis, protoc-gen-validate). Nothing is copied into the repo;
 * the files that pull in what the control plane writes are listed here.
 */
const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  // Sidecar and gateway generators (listener filters, TCP proxy, CORS, upstream HTTP options).
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  // Authorization (AuthorizationPolicy → RBAC, CUSTOM → ext_authz).
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  // Authentication (RequestAuthentication → jwt_authn).
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
];

/** Objects as protobufjs reads and writes them with `keepCase`: Envoy's snake_case field names. */
export type ProtoObject = Record<string, unknown>;

/** A packed `google.protobuf.Any`. */
export interface PackedAny {
  type_url: string;
  value: Uint8Array;
}

/** Options for turning decoded messages into plain objects: enums by name, 64-bit ints as strings. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, oneofs: true, bytes: Buffer };

let cached: protobuf.Root | undefined;

/** The loaded proto root (loaded once per process, about 150 ms). */
export function protoRoot(): protobuf.Root {
  cached ??= loadEnvoyProtos(PROTO_FILES);
  return cached;
}

/** Looks up a message type by its full name (`envoy.config.listener.v3.Listener`). */
export function messageType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

/**
 * Encodes a plain object (snake_case, enums by name) as `fullName`. Fails loudly when the
 * object does not fit the schema, so a generator bug never reaches a client as garbage.
 */
export function encodeMessage(fullName: string, value: ProtoObject): Uint8Array {
  const type = messageType(fullName);
  checkFields(type, value, fullName);
  return type.encode(type.fromObject(value)).finish();
}

/**
 * protobufjs drops unknown keys silently; a misspelt field would vanish from the config a
 * client receives. This walks the object against the schema and throws on the first stranger.
 */
function checkFields(type: protobuf.Type, value: unknown, path: string): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[key];
    if (!field) throw new Error(`${path}: unknown field "${key}" in ${type.fullName.slice(1)}`);
    field.resolve();
    const sub = field.resolvedType;
    if (!(sub instanceof protobuf.Type) || v === undefined || v === null) continue;
    if (field.map) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) checkFields(sub, item, `${path}.${key}[${k}]`);
    } else if (field.repeated && Array.isArray(v)) {
      v.forEach((item, i) => checkFields(sub, item, `${path}.${key}[${i}]`));
    } else {
      checkFields(sub, v, `${path}.${key}`);
    }
  }
}

/** Decodes bytes of `fullName` into a plain object (enums by name). */
export function decodeMessage(fullName: string, bytes: Uint8Array): ProtoObject {
  const type = messageType(fullName);
  return type.toObject(type.decode(bytes), TO_OBJECT) as ProtoObject;
}

/** Packs a message into an `Any` with Envoy's type URL. */
export function packAny(fullName: string, value: ProtoObject): PackedAny {
  return { type_url: TYPE_PREFIX + fullName, value: encodeMessage(fullName, value) };
}

/** Unpacks an `Any` whose type is among the loaded protos. */
export function unpackAny(any: { type_url: string; value: Uint8Array }): ProtoObject {
  return decodeMessage(typeNameOf(any.type_url), any.value);
}

/**
 * `Any` as an object field of a message to be encoded: protobufjs would otherwise try to
 * interpret the `@type` JSON form; bytes pass through untouched.
 */
export function anyField(fullName: string, value: ProtoObject): ProtoObject {
  const packed = packAny(fullName, value);
  return { type_url: packed.type_url, value: packed.value };
}

function serializer(fullName: string): (value: ProtoObject) => Buffer {
  const type = messageType(fullName);
  return (value) => Buffer.from(type.encode(type.fromObject(value)).finish());
}

function deserializer(fullName: string): (bytes: Buffer) => ProtoObject {
  const type = messageType(fullName);
  return (bytes) => type.toObject(type.decode(bytes), TO_OBJECT) as ProtoObject;
}

/** Full gRPC method paths of the aggregated discovery service. */
export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/**
 * A `@grpc/grpc-js` service definition for ADS built from the loaded protos: both the
 * state-of-the-world and the incremental (delta) bidirectional streams. Used by the
 * server and by test clients (`makeGenericClientConstructor`).
 */
export function adsServiceDefinition(): ServiceDefinition {
  const req = 'envoy.service.discovery.v3.DiscoveryRequest';
  const res = 'envoy.service.discovery.v3.DiscoveryResponse';
  const dreq = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
  const dres = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
  return {
    StreamAggregatedResources: {
      path: `/${ADS_SERVICE}/StreamAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
    },
    DeltaAggregatedResources: {
      path: `/${ADS_SERVICE}/DeltaAggregatedResources`,
      requestStream: true,
      responseStream: true,
      requestSerialize: serializer(dreq),
      requestDeserialize: deserializer(dreq),
      responseSerialize: serializer(dres),
      responseDeserialize: deserializer(dres),
    },
  };
}
