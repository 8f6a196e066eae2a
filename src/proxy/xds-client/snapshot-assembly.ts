import type { ClusterConfig, ClusterLoadAssignment, ListenerConfig, ProxySnapshot, RouteConfiguration, SecretConfig } from '../config/model.js';
import type { LocalSecretProvider } from './local-secret-provider.js';
import { XDS_TYPE, type XdsTypeUrl } from './resource-types.js';
import type { TranslatedResource } from './translate-resource.js';

/** What the xds-client holds per type: accepted resources by name. */
export interface AcceptedState {
  readonly listeners: ReadonlyMap<string, TranslatedResource<typeof XDS_TYPE.listener>>;
  readonly routes: ReadonlyMap<string, TranslatedResource<typeof XDS_TYPE.route>>;
  readonly clusters: ReadonlyMap<string, TranslatedResource<typeof XDS_TYPE.cluster>>;
  readonly endpoints: ReadonlyMap<string, TranslatedResource<typeof XDS_TYPE.endpoint>>;
  readonly secrets: ReadonlyMap<string, TranslatedResource<typeof XDS_TYPE.secret>>;
  /** Names the server said do not exist (Delta `removed_resources` of a subscribed name). */
  readonly absent: ReadonlyMap<XdsTypeUrl, ReadonlySet<string>>;
  readonly versions: Readonly<Record<string, string>>;
}

/** Names the snapshot needs from EDS, RDS and SDS. */
export interface References {
  readonly eds: ReadonlySet<string>;
  readonly rds: ReadonlySet<string>;
  /** Secret names to fetch over SDS (neither inline nor supplied locally). */
  readonly sds: ReadonlySet<string>;
}

/** A candidate snapshot, and what it still waits for. */
export interface Assembly {
  readonly snapshot: ProxySnapshot;
  readonly missing: { readonly eds: readonly string[]; readonly rds: readonly string[]; readonly secrets: readonly string[] };
  readonly complete: boolean;
}

function listenerRdsNames(l: ListenerConfig): string[] {
  const chains = l.defaultFilterChain ? [...l.filterChains, l.defaultFilterChain] : l.filterChains;
  return chains.flatMap((c) => c.filters.flatMap((f) => (f.kind === 'http_connection_manager' && f.rdsName !== undefined ? [f.rdsName] : [])));
}

function listenerSecretNames(l: ListenerConfig): string[] {
  const chains = l.defaultFilterChain ? [...l.filterChains, l.defaultFilterChain] : l.filterChains;
  return chains.flatMap((c) => (c.tls ? [...c.tls.certificateSecrets, ...(c.tls.validationSecret ? [c.tls.validationSecret] : [])] : []));
}

function clusterSecretNames(c: ClusterConfig): string[] {
  const tlsList = [c.tls, ...c.tlsMatches.map((m) => m.tls)];
  return tlsList.flatMap((t) => (t ? [...t.certificateSecrets, ...(t.validationSecret ? [t.validationSecret] : [])] : []));
}

/** Every name the accepted listeners and clusters reference, by the type that serves it. */
export function referencesOf(state: AcceptedState, local: LocalSecretProvider | undefined): References {
  const eds = new Set<string>();
  const rds = new Set<string>();
  const sds = new Set<string>();
  const inline = new Set<string>();
  for (const c of state.clusters.values()) {
    if (c.value.edsName !== undefined) eds.add(c.value.edsName);
    for (const s of clusterSecretNames(c.value.cluster)) sds.add(s);
    for (const s of c.inlineSecrets.keys()) inline.add(s);
  }
  for (const l of state.listeners.values()) {
    for (const r of listenerRdsNames(l.value)) rds.add(r);
    for (const s of listenerSecretNames(l.value)) sds.add(s);
    for (const s of l.inlineSecrets.keys()) inline.add(s);
  }
  for (const s of [...inline, ...(local?.names ?? [])]) sds.delete(s);
  return { eds, rds, sds };
}

/**
 * Builds the snapshot the accepted state describes and lists what it still misses: endpoints
 * of EDS clusters, route configurations named by listeners, and secrets named by TLS contexts.
 * With `fillMissing` (the warming timeout passed, as Envoy's initial_fetch_timeout) missing
 * endpoints and routes become empty ones; missing secrets stay missing, so only TLS on those
 * chains fails.
 */
export function assembleSnapshot(state: AcceptedState, local: LocalSecretProvider | undefined, fillMissing: boolean): Assembly {
  const missingEds: string[] = [];
  const missingRds: string[] = [];
  const missingSecrets: string[] = [];
  const absent = (t: XdsTypeUrl, n: string): boolean => state.absent.get(t)?.has(n) === true;

  const clusters = new Map<string, ClusterConfig>();
  const endpoints = new Map<string, ClusterLoadAssignment>();
  const secrets = new Map<string, SecretConfig>();
  const wantedSecrets = new Set<string>();
  for (const [name, r] of state.clusters) {
    const { cluster, edsName } = r.value;
    clusters.set(name, cluster);
    for (const [k, v] of r.inlineSecrets) secrets.set(k, v);
    for (const s of clusterSecretNames(cluster)) wantedSecrets.add(s);
    if (edsName === undefined) {
      if (cluster.loadAssignment) endpoints.set(name, cluster.loadAssignment);
      continue;
    }
    const cla = state.endpoints.get(edsName)?.value;
    if (cla) endpoints.set(name, cla.clusterName === name ? cla : { ...cla, clusterName: name });
    else {
      if (!absent(XDS_TYPE.endpoint, edsName)) missingEds.push(edsName);
      if (fillMissing || absent(XDS_TYPE.endpoint, edsName)) endpoints.set(name, { clusterName: name, localities: [], overprovisioningFactor: 140 });
    }
  }

  const listeners = new Map<string, ListenerConfig>();
  const routes = new Map<string, RouteConfiguration>();
  for (const [name, r] of state.listeners) {
    listeners.set(name, r.value);
    for (const [k, v] of r.inlineSecrets) secrets.set(k, v);
    for (const s of listenerSecretNames(r.value)) wantedSecrets.add(s);
    for (const rds of listenerRdsNames(r.value)) {
      const rc = state.routes.get(rds)?.value;
      if (rc) routes.set(rds, rc);
      else {
        if (!absent(XDS_TYPE.route, rds) && !missingRds.includes(rds)) missingRds.push(rds);
        if (fillMissing || absent(XDS_TYPE.route, rds)) routes.set(rds, { name: rds, virtualHosts: [] });
      }
    }
  }

  const localNames = new Set(local?.names ?? []);
  for (const name of localNames) {
    const s = local?.get(name);
    if (s) secrets.set(name, s.name === name ? s : { ...s, name });
  }
  for (const [name, r] of state.secrets) if (!localNames.has(name)) secrets.set(name, r.value);
  for (const name of wantedSecrets) if (!secrets.has(name)) missingSecrets.push(name);

  const snapshot: ProxySnapshot = Object.freeze({ listeners, routes, clusters, endpoints, secrets, versions: Object.freeze({ ...state.versions }) });
  const missing = { eds: missingEds.sort(), rds: missingRds.sort(), secrets: missingSecrets.sort() };
  return { snapshot, missing, complete: missingEds.length + missingRds.length + missingSecrets.length === 0 };
}
