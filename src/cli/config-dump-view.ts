import type { EnvoyConfigDump } from '../xds/config-dump.js';

/** A config object as JSON (Envoy's proto field names). */
export type Json = Record<string, unknown>;

/** The resources of an Envoy `/config_dump`, by kind, whoever produced it (controller or proxy). */
export interface ConfigDumpView {
  clusters: Json[];
  listeners: Json[];
  routes: Json[];
  endpoints: Json[];
  secrets: Json[];
}

const ofType = (dump: EnvoyConfigDump, name: string): Json[] => dump.configs.filter((c) => String(c['@type'] ?? '').endsWith(`.${name}`));
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/** Pulls the resources out of a config dump, static and dynamic (active) alike. */
export function viewConfigDump(dump: EnvoyConfigDump): ConfigDumpView {
  const clusters: Json[] = [];
  for (const c of ofType(dump, 'ClustersConfigDump')) {
    for (const e of [...list(c.static_clusters), ...list(c.dynamic_active_clusters)]) if (e.cluster) clusters.push(e.cluster as Json);
  }
  const listeners: Json[] = [];
  for (const c of ofType(dump, 'ListenersConfigDump')) {
    for (const e of list(c.static_listeners)) if (e.listener) listeners.push(e.listener as Json);
    for (const e of list(c.dynamic_listeners)) if ((e.active_state as Json | undefined)?.listener) listeners.push((e.active_state as Json).listener as Json);
  }
  const routes: Json[] = [];
  for (const c of ofType(dump, 'RoutesConfigDump')) {
    for (const e of [...list(c.static_route_configs), ...list(c.dynamic_route_configs)]) if (e.route_config) routes.push(e.route_config as Json);
  }
  const endpoints: Json[] = [];
  for (const c of ofType(dump, 'EndpointsConfigDump')) {
    for (const e of [...list(c.static_endpoint_configs), ...list(c.dynamic_endpoint_configs)]) if (e.endpoint_config) endpoints.push(e.endpoint_config as Json);
  }
  const secrets: Json[] = [];
  for (const c of ofType(dump, 'SecretsConfigDump')) {
    for (const e of [...list(c.static_secrets), ...list(c.dynamic_active_secrets)]) if (e.secret) secrets.push(e.secret as Json);
  }
  return { clusters, listeners, routes, endpoints, secrets };
}
