import type { ProxySnapshot } from '../config/model.js';
import type { DumpedResource, ResourceDump } from '../xds-client/xds-client-status.js';
import type { AdminBootstrapInfo, AdminLocalSecrets } from './admin-sources.js';
import { adminType, DUMP_FIELD_TYPE, RESOURCE_TYPE } from './admin-type-urls.js';
import { clusterJson, endpointsJson, listenerJson, REDACTED_BYTES, routeConfigJson, secretJson, type EnvoyJson } from './snapshot-json.js';

/** Envoy's `/config_dump` document. */
export interface ConfigDump {
  configs: EnvoyJson[];
}

/** Inputs of {@link buildConfigDump}. */
export interface ConfigDumpInputs {
  readonly snapshot: ProxySnapshot;
  /** What the xds-client accepted, raw; absent for a proxy without xDS. */
  readonly resources?: ResourceDump;
  readonly localSecrets?: AdminLocalSecrets;
  readonly bootstrap?: AdminBootstrapInfo;
  /** When the static parts were loaded (process start). */
  readonly startedAt: string;
  /** Envoy leaves endpoints out unless asked (`?include_eds`). */
  readonly includeEds?: boolean;
}

/** Fields Envoy never prints in full: private keys and key passwords. */
const SECRET_FIELDS = new Set(['private_key', 'password']);

/** A deep copy with every private key replaced by Envoy's `[redacted]`, so the xds-client's copy stays intact. */
function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value === null || typeof value !== 'object') return value;
  const out: EnvoyJson = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELDS.has(k) && v && typeof v === 'object' ? { inline_bytes: REDACTED_BYTES } : redacted(v);
  return out;
}

const NO_TYPE = { version: '', resources: [] as readonly DumpedResource[] };

/**
 * Builds Envoy's `/config_dump`: bootstrap, clusters, listeners, routes, secrets, endpoints,
 * each a typed entry (endpoints only with `includeEds`, as Envoy). Resources that came over xDS are dumped as the controller sent them
 * (dynamic_*); resources of a static snapshot and the agent's local secrets are converted from
 * the model (static_* / dynamic_active_secrets as Istio's agent serves them over SDS).
 */
export function buildConfigDump(inputs: ConfigDumpInputs): ConfigDump {
  const { snapshot, startedAt } = inputs;
  const raw = inputs.resources ?? {};
  const of = (typeUrl: string): { version: string; resources: readonly DumpedResource[] } => raw[typeUrl] ?? NO_TYPE;
  const clusters = of(RESOURCE_TYPE.cluster);
  const listeners = of(RESOURCE_TYPE.listener);
  const routes = of(RESOURCE_TYPE.route);
  const endpoints = of(RESOURCE_TYPE.endpoint);
  const secrets = of(RESOURCE_TYPE.secret);
  const dynamic = (list: readonly DumpedResource[]): Set<string> => new Set(list.map((r) => r.name));
  const dynClusters = dynamic(clusters.resources);
  const dynListeners = dynamic(listeners.resources);
  const dynRoutes = dynamic(routes.resources);
  const dynEndpoints = dynamic(endpoints.resources);
  const dynSecrets = dynamic(secrets.resources);

  const configs: EnvoyJson[] = [];
  if (inputs.bootstrap) {
    const b = inputs.bootstrap;
    configs.push({
      '@type': adminType('BootstrapConfigDump'),
      bootstrap: {
        node: { id: b.node.id, ...(b.node.cluster ? { cluster: b.node.cluster } : {}), metadata: b.node.metadata ?? {}, locality: b.node.locality ?? {}, user_agent_name: 'plexus-proxy' },
        ...(b.xdsServer ? { dynamic_resources: { ads_config: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] }, cds_config: { ads: {} }, lds_config: { ads: {} } }, static_resources: { clusters: [{ name: 'xds-grpc', type: 'STATIC', load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: addressOf(b.xdsServer) } } }] }] } }] } } : {}),
      },
      last_updated: startedAt,
    });
  }
  configs.push({
    '@type': adminType('ClustersConfigDump'),
    version_info: clusters.version,
    static_clusters: [...snapshot.clusters.values()].filter((c) => !dynClusters.has(c.name)).map((c) => ({ cluster: clusterJson(c), last_updated: startedAt })),
    dynamic_active_clusters: clusters.resources.map((r) => ({ version_info: r.version, cluster: r.resource, last_updated: r.lastUpdated })),
  });
  configs.push({
    '@type': adminType('ListenersConfigDump'),
    version_info: listeners.version,
    static_listeners: [...snapshot.listeners.values()].filter((l) => !dynListeners.has(l.name)).map((l) => ({ listener: listenerJson(l), last_updated: startedAt })),
    dynamic_listeners: listeners.resources.map((r) => ({ name: r.name, active_state: { version_info: r.version, listener: r.resource, last_updated: r.lastUpdated } })),
  });
  configs.push({
    '@type': adminType('RoutesConfigDump'),
    static_route_configs: [...snapshot.routes.values()].filter((rc) => !dynRoutes.has(rc.name)).map((rc) => ({ route_config: routeConfigJson(rc), last_updated: startedAt })),
    dynamic_route_configs: routes.resources.map((r) => ({ version_info: r.version, route_config: r.resource, last_updated: r.lastUpdated })),
  });
  // The agent's own certificate reaches an Istio sidecar over SDS, so it is a dynamic secret there too.
  const local = (inputs.localSecrets?.names ?? []).filter((n) => !dynSecrets.has(n)).map((n) => inputs.localSecrets?.get(n)).filter((s) => s !== undefined);
  const localNames = new Set(local.map((s) => s.name));
  configs.push({
    '@type': adminType('SecretsConfigDump'),
    static_secrets: [...snapshot.secrets.values()].filter((s) => !dynSecrets.has(s.name) && !localNames.has(s.name)).map((s) => ({ name: s.name, secret: secretJson(s), last_updated: startedAt })),
    dynamic_active_secrets: [
      ...secrets.resources.map((r) => ({ name: r.name, version_info: r.version, last_updated: r.lastUpdated, secret: redacted(r.resource) })),
      ...local.map((s) => ({ name: s.name, version_info: 'local', last_updated: startedAt, secret: secretJson(s) })),
    ],
  });
  if (!inputs.includeEds) return { configs };
  const staticEndpoints = [...snapshot.clusters.values()].filter((c) => c.loadAssignment && !dynEndpoints.has(c.name)).map((c) => ({ endpoint_config: endpointsJson(c.loadAssignment!), last_updated: startedAt }));
  const snapshotEds = [...snapshot.endpoints.values()].filter((a) => !dynEndpoints.has(a.clusterName) && !snapshot.clusters.get(a.clusterName)?.loadAssignment);
  configs.push({
    '@type': adminType('EndpointsConfigDump'),
    static_endpoint_configs: [...staticEndpoints, ...snapshotEds.map((a) => ({ endpoint_config: endpointsJson(a), last_updated: startedAt }))],
    dynamic_endpoint_configs: endpoints.resources.map((r) => ({ version_info: r.version, endpoint_config: r.resource, last_updated: r.lastUpdated })),
  });
  return { configs };
}

function addressOf(hostPort: string): EnvoyJson {
  const i = hostPort.lastIndexOf(':');
  return i > 0 ? { address: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port_value: Number(hostPort.slice(i + 1)) } : { address: hostPort };
}

/** The resource's name inside an item of a dump field (for `name_regex`). */
function itemName(item: EnvoyJson): string {
  if (typeof item.name === 'string') return item.name;
  for (const k of ['cluster', 'listener', 'route_config', 'secret', 'endpoint_config']) {
    const inner = item[k] as EnvoyJson | undefined;
    if (inner && typeof inner.name === 'string') return inner.name;
    if (inner && typeof inner.cluster_name === 'string') return inner.cluster_name;
  }
  const active = item.active_state as EnvoyJson | undefined;
  return typeof (active?.listener as EnvoyJson | undefined)?.name === 'string' ? String((active!.listener as EnvoyJson).name) : '';
}

/**
 * Envoy's `?resource=<field>` (and `name_regex`): the items of one repeated field across the
 * dump, each typed by its own message. Undefined when no config has that field.
 */
export function selectDumpResource(dump: ConfigDump, field: string, nameRegex?: RegExp): ConfigDump | undefined {
  const itemType = DUMP_FIELD_TYPE[field];
  if (itemType === undefined) return undefined;
  const configs: EnvoyJson[] = [];
  for (const c of dump.configs) {
    const items = c[field];
    if (!Array.isArray(items)) continue;
    for (const item of items as EnvoyJson[]) {
      if (nameRegex && !nameRegex.test(itemName(item))) continue;
      configs.push({ '@type': adminType(itemType), ...item });
    }
  }
  return { configs };
}

/** Envoy's `name_regex` without `resource`: keeps the dump's layout, drops unmatched items. */
export function filterDumpByName(dump: ConfigDump, nameRegex: RegExp): ConfigDump {
  return {
    configs: dump.configs.map((c) => {
      const out: EnvoyJson = {};
      for (const [k, v] of Object.entries(c)) out[k] = Array.isArray(v) && k in DUMP_FIELD_TYPE ? (v as EnvoyJson[]).filter((i) => nameRegex.test(itemName(i))) : v;
      return out;
    }),
  };
}
