import type { Logger } from 'pino';
import { generateResources, type VersionedResource } from './generate.js';
import { adminTypeUrl, packedToJson, type JsonObject } from './proto-json.js';
import type { ProxyInfo } from './proxy.js';
import type { PushContext } from './push-context.js';
import { setVersion } from './resource-version.js';
import { TYPE_URL } from './type-urls.js';

/** Envoy's `/config_dump` document: one typed entry per resource kind. */
export interface EnvoyConfigDump {
  configs: JsonObject[];
}

/**
 * Names the proxy subscribed to, by type URL; `undefined` for a type means wildcard, and a
 * type left out is derived as a real client would: routes named by the listeners, endpoints
 * of the EDS clusters.
 */
export type Subscriptions = Partial<Record<string, readonly string[] | undefined>>;

/** Every value of `key` anywhere inside `value` (route_config_name in listeners, …). */
function collectStrings(value: unknown, key: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) collectStrings(v, key, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === 'string') out.add(v);
      else collectStrings(v, key, out);
    }
  }
  return out;
}

/** Private keys never leave the controller through a debug endpoint (Envoy prints `[redacted]` too). */
function redactKeys(value: unknown): void {
  if (Array.isArray(value)) value.forEach(redactKeys);
  else if (value && typeof value === 'object') {
    const o = value as JsonObject;
    for (const [k, v] of Object.entries(o)) {
      if (k === 'private_key' && v && typeof v === 'object') o[k] = { inline_string: '[redacted]' };
      else redactKeys(v);
    }
  }
}

function edsNames(clusters: readonly JsonObject[]): string[] {
  return clusters.filter((c) => c.type === 'EDS').map((c) => String((c.eds_cluster_config as JsonObject | undefined)?.service_name || c.name));
}

/**
 * What the controller would send one proxy, in Envoy's `/config_dump` shape (`@type` on
 * every entry; bootstrap, clusters, listeners, routes, secrets, then endpoints as with
 * `?include_eds`). `proxy-config` reads this layout from the controller or, later, from a
 * proxy's admin port alike.
 */
export function buildConfigDump(log: Logger, push: PushContext, proxy: ProxyInfo, subscriptions: Subscriptions = {}): EnvoyConfigDump {
  const now = new Date().toISOString();
  const gen = (typeUrl: string, names: readonly string[] | undefined): { items: VersionedResource[]; json: JsonObject[] } => {
    const items = names !== undefined && names.length === 0 ? [] : generateResources(log, push, proxy, typeUrl, names) ?? [];
    return { items, json: items.map((r) => packedToJson(r.resource)) };
  };
  const has = (t: string): boolean => Object.prototype.hasOwnProperty.call(subscriptions, t);
  const clusters = gen(TYPE_URL.cluster, subscriptions[TYPE_URL.cluster]);
  const listeners = gen(TYPE_URL.listener, subscriptions[TYPE_URL.listener]);
  const routeNames = has(TYPE_URL.route) ? subscriptions[TYPE_URL.route] : [...collectStrings(listeners.json, 'route_config_name', new Set())];
  const routes = gen(TYPE_URL.route, routeNames);
  const endpoints = gen(TYPE_URL.endpoint, has(TYPE_URL.endpoint) ? subscriptions[TYPE_URL.endpoint] : edsNames(clusters.json));
  const secrets = gen(TYPE_URL.secret, has(TYPE_URL.secret) ? subscriptions[TYPE_URL.secret] : ['default', 'ROOTCA']);
  secrets.json.forEach(redactKeys);
  const v = (items: VersionedResource[]): string => setVersion(items);
  return {
    configs: [
      {
        '@type': adminTypeUrl('BootstrapConfigDump'),
        bootstrap: { node: { id: proxy.id, cluster: proxy.clusterId, metadata: proxy.metadata, locality: proxy.locality, user_agent_name: proxy.userAgent } },
        last_updated: now,
      },
      {
        '@type': adminTypeUrl('ClustersConfigDump'),
        version_info: v(clusters.items),
        dynamic_active_clusters: clusters.items.map((r, i) => ({ version_info: r.version, cluster: clusters.json[i], last_updated: now })),
      },
      {
        '@type': adminTypeUrl('ListenersConfigDump'),
        version_info: v(listeners.items),
        dynamic_listeners: listeners.items.map((r, i) => ({ name: r.name, active_state: { version_info: r.version, listener: listeners.json[i], last_updated: now } })),
      },
      {
        '@type': adminTypeUrl('RoutesConfigDump'),
        dynamic_route_configs: routes.items.map((r, i) => ({ version_info: r.version, route_config: routes.json[i], last_updated: now })),
      },
      {
        '@type': adminTypeUrl('SecretsConfigDump'),
        dynamic_active_secrets: secrets.items.map((r, i) => ({ name: r.name, version_info: r.version, last_updated: now, secret: secrets.json[i] })),
      },
      {
        '@type': adminTypeUrl('EndpointsConfigDump'),
        dynamic_endpoint_configs: endpoints.items.map((r, i) => ({ version_info: r.version, endpoint_config: endpoints.json[i], last_updated: now })),
      },
    ],
  };
}
