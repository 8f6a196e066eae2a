import type { ClusterLoadAssignment, ListenerConfig, RouteConfiguration, SecretConfig } from '../config/model.js';
import { FieldPath, InvalidResourceError } from './invalid-resource.js';
import { decodeAnyToJson, typeNameOf, type ProtoJson, type WireAny } from './proto-root.js';
import type { FileReader } from './proto-values.js';
import { XDS_TYPE, type XdsTypeUrl } from './resource-types.js';
import { translateCluster, type TranslatedCluster } from './translate-cluster.js';
import { translateLoadAssignment } from './translate-endpoints.js';
import { translateListener } from './translate-listener.js';
import { translateRouteConfiguration } from './translate-route.js';
import { translateSecret } from './translate-secret.js';

/** The model value of each resource type. */
export interface TranslatedValueByType {
  [XDS_TYPE.listener]: ListenerConfig;
  [XDS_TYPE.route]: RouteConfiguration;
  [XDS_TYPE.cluster]: TranslatedCluster;
  [XDS_TYPE.endpoint]: ClusterLoadAssignment;
  [XDS_TYPE.secret]: SecretConfig;
}

/** One accepted resource: its model value, the JSON it came from, and when. */
export interface TranslatedResource<T extends XdsTypeUrl = XdsTypeUrl> {
  readonly name: string;
  /** Per-resource version (Delta), or the response's version_info (SotW). */
  readonly version: string;
  /** The resource as JSON with `@type`, for /config_dump. */
  readonly raw: ProtoJson;
  readonly value: TranslatedValueByType[T];
  /** Secrets written inline in this resource's TLS contexts. */
  readonly inlineSecrets: ReadonlyMap<string, SecretConfig>;
  readonly lastUpdated: string;
}

const LABEL: Readonly<Record<XdsTypeUrl, string>> = {
  [XDS_TYPE.listener]: 'Listener',
  [XDS_TYPE.route]: 'RouteConfiguration',
  [XDS_TYPE.cluster]: 'Cluster',
  [XDS_TYPE.endpoint]: 'ClusterLoadAssignment',
  [XDS_TYPE.secret]: 'Secret',
};

function nameOf(typeUrl: XdsTypeUrl, raw: ProtoJson): string {
  const name = typeUrl === XDS_TYPE.endpoint ? raw.cluster_name : raw.name;
  return typeof name === 'string' ? name : '';
}

/**
 * Decodes and translates one resource of a response. Throws {@link InvalidResourceError}
 * naming the resource and field when it cannot be decoded, is of the wrong type, or does not
 * fit the model.
 */
export function translateResource<T extends XdsTypeUrl>(typeUrl: T, any: WireAny, version: string, index: number, readFile: FileReader, expectedName?: string): TranslatedResource<T> {
  const label = LABEL[typeUrl];
  const where = expectedName !== undefined ? `${label} "${expectedName}"` : `${label} #${index}`;
  if (typeNameOf(any.type_url) !== typeNameOf(typeUrl)) throw new InvalidResourceError(where, '', `resource of type ${any.type_url} in a ${typeUrl} response`);
  let raw: ProtoJson | undefined;
  try {
    raw = decodeAnyToJson(any);
  } catch (err) {
    throw new InvalidResourceError(where, '', `cannot decode: ${(err as Error).message}`);
  }
  if (!raw) throw new InvalidResourceError(where, '', `unknown type ${any.type_url}`);
  const name = nameOf(typeUrl, raw);
  const at = new FieldPath(name !== '' ? `${label} "${name}"` : where);
  if (expectedName !== undefined && name !== expectedName) at.at(typeUrl === XDS_TYPE.endpoint ? 'cluster_name' : 'name').fail(`does not match the resource name ${JSON.stringify(expectedName)}`);
  const ctx = { readFile, inlineSecrets: new Map<string, SecretConfig>() };
  let value: TranslatedValueByType[XdsTypeUrl];
  switch (typeUrl) {
    case XDS_TYPE.listener: value = translateListener(raw, at, ctx); break;
    case XDS_TYPE.route:
      if (name === '') at.at('name').fail('route configuration name is required');
      value = translateRouteConfiguration(raw, at, ctx);
      break;
    case XDS_TYPE.cluster: value = translateCluster(raw, at, ctx); break;
    case XDS_TYPE.endpoint: value = translateLoadAssignment(raw, at); break;
    case XDS_TYPE.secret: value = translateSecret(raw, at, ctx); break;
    default: return at.fail(`unsupported type ${String(typeUrl)}`);
  }
  return { name, version, raw, value: value as TranslatedValueByType[T], inlineSecrets: ctx.inlineSecrets, lastUpdated: new Date().toISOString() };
}
