import { parseClusterName } from '../xds/generators/cluster-name.js';
import type { Json } from './config-dump-view.js';
import { renderTabTable } from './tab-table.js';

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
/** Go's string order (bytes), which istioctl's sorts use. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/**
 * istioctl's "managed by" column: `filter_metadata.istio.config` holds the object's API path
 * (`/apis/networking.istio.io/v1/namespaces/default/destination-rule/reviews`), shown as
 * `reviews.default`.
 */
export function describeManagement(metadata: unknown): string {
  const path = str(obj(obj(obj(metadata).filter_metadata).istio).config);
  const m = /\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(path);
  return m ? `${m[2]}.${m[1]}` : '';
}

function sortKey(name: string): [string, string, number, string] {
  const k = parseClusterName(name);
  return k ? [k.hostname, k.subset, k.port, k.direction] : [name, '', 0, ''];
}

/** `proxy-config cluster`: SERVICE FQDN, PORT, SUBSET, DIRECTION, TYPE, DESTINATION RULE. */
export function clusterTable(clusters: readonly Json[]): string {
  const sorted = [...clusters].sort((a, b) => {
    const [ah, as, ap, ad] = sortKey(str(a.name));
    const [bh, bs, bp, bd] = sortKey(str(b.name));
    return cmp(ah, bh) || cmp(as, bs) || ap - bp || cmp(ad, bd);
  });
  const rows = [['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE']];
  for (const c of sorted) {
    const k = parseClusterName(str(c.name));
    // Envoy's JSON omits the default cluster type, STATIC.
    const type = str(c.type) || 'STATIC';
    rows.push(k ? [k.hostname, String(k.port), k.subset || '-', k.direction, type, describeManagement(c.metadata)] : [str(c.name), '-', '-', '-', type, describeManagement(c.metadata)]);
  }
  return renderTabTable(rows, 5);
}

function socketOf(listener: Json): { address: string; port: number } {
  const sa = obj(obj(listener.address).socket_address);
  return { address: str(sa.address), port: Number(sa.port_value ?? 0) };
}

function addresses(listener: Json): string {
  const extra = arr(listener.additional_addresses).map((a) => str(obj(obj(a.address).socket_address).address));
  return [socketOf(listener).address, ...extra].join(',');
}

function describeRouteConfig(rc: Json): string {
  const vhosts = arr(rc.virtual_hosts);
  if (vhosts.length === 1) {
    const vh = vhosts[0]!;
    const routes = arr(vh.routes);
    const domains = arr(vh.domains) as unknown as string[];
    const cluster = str(obj(routes[0]?.route).cluster);
    if (domains.length === 1 && domains[0] === '*' && routes.length === 1 && str(obj(routes[0]!.match).prefix) === '/' && cluster) {
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  return `Inline Route: ${vhosts.map((vh) => str(vh.name)).join('; ')}`;
}

function destinationOf(filters: readonly Json[]): string {
  for (const f of filters) {
    const name = str(f.name);
    const cfg = obj(f.typed_config);
    if (name === 'envoy.filters.network.http_connection_manager' || str(cfg['@type']).endsWith('.HttpConnectionManager')) {
      if (cfg.route_config) return describeRouteConfig(obj(cfg.route_config));
      const rds = str(obj(cfg.rds).route_config_name);
      return rds ? `Route: ${rds}` : 'HTTP';
    }
    if (name === 'envoy.filters.network.tcp_proxy' || str(cfg['@type']).endsWith('.TcpProxy')) {
      const cluster = str(cfg.cluster);
      if (cluster === 'BlackHoleCluster') continue;
      return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

function describeChainMatch(m: Json): string {
  const d: string[] = [];
  const names = arr(m.server_names) as unknown as string[];
  if (names.length > 0) d.push(`SNI: ${names.join(',')}`);
  if (m.transport_protocol) d.push(`Trans: ${str(m.transport_protocol)}`);
  const alpn = arr(m.application_protocols) as unknown as string[];
  if (alpn.length > 0) d.push(`App: ${alpn.join(',')}`);
  const port = m.destination_port !== undefined ? `:${str(m.destination_port)}` : '';
  const prefixes = arr(m.prefix_ranges).map((p) => `${str(p.address_prefix)}/${str(p.prefix_len ?? 0)}`);
  if (prefixes.length > 0) d.push(`Addr: ${prefixes.join(',')}${port}`);
  else if (port) d.push(`Addr: *${port}`);
  return d.length > 0 ? d.join('; ') : 'ALL';
}

/** `proxy-config listener`: ADDRESSES, PORT, MATCH, DESTINATION, one row per filter chain. */
export function listenerTable(listeners: readonly Json[]): string {
  const sorted = [...listeners].sort((a, b) => socketOf(a).port - socketOf(b).port || cmp(socketOf(a).address, socketOf(b).address) || cmp(str(a.name), str(b.name)));
  const rows = [['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION']];
  for (const l of sorted) {
    const { port } = socketOf(l);
    const chains = [...arr(l.filter_chains), ...(l.default_filter_chain ? [obj(l.default_filter_chain)] : [])];
    // A proxyless gRPC listener has no filter chains, just an HTTP connection manager.
    const api = obj(obj(l.api_listener).api_listener);
    if (chains.length === 0 && api['@type']) {
      rows.push([addresses(l), String(port), 'ALL', destinationOf([{ name: 'envoy.filters.network.http_connection_manager', typed_config: api }])]);
      continue;
    }
    const described = chains.map((c) => ({ match: describeChainMatch(obj(c.filter_chain_match)), destination: destinationOf(arr(c.filters)) }));
    described.sort((x, y) => (x.destination < y.destination ? 1 : x.destination > y.destination ? -1 : 0));
    for (const d of described) rows.push([addresses(l), String(port), d.match, d.destination]);
  }
  return renderTabTable(rows, 1);
}

/** istioctl shows one domain of a virtual host: the shortest that does not start with a digit. */
function describeDomains(domains: readonly string[]): string {
  if (domains.length <= 1) return domains[0] ?? '';
  let best = domains[0]!;
  for (const d of domains) if (d && !/^[1-9]/.test(d) && d.length < best.length) best = d;
  return best;
}

function describeMatch(m: Json): string {
  const c: string[] = [];
  if (m.prefix !== undefined) c.push(`${str(m.prefix)}*`);
  if (m.path_separated_prefix !== undefined) c.push(`${str(m.path_separated_prefix)}/*`);
  if (m.path !== undefined) c.push(str(m.path));
  if (m.safe_regex !== undefined) c.push(`regex ${str(obj(m.safe_regex).regex)}`);
  return c.join(' ');
}

/** `proxy-config route`: NAME, VHOST NAME, DOMAINS, MATCH, VIRTUAL SERVICE, one row per route. */
export function routeTable(routes: readonly Json[]): string {
  const rows = [['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE']];
  for (const rc of [...routes].sort((a, b) => cmp(str(a.name), str(b.name)))) {
    const vhosts = arr(rc.virtual_hosts);
    if (vhosts.length === 0) rows.push([str(rc.name), '', '', '', '']);
    for (const vh of vhosts) {
      for (const r of arr(vh.routes)) rows.push([str(rc.name), str(vh.name), describeDomains(arr(vh.domains) as unknown as string[]), describeMatch(obj(r.match)), describeManagement(r.metadata)]);
    }
  }
  return renderTabTable(rows, 5);
}

/** `proxy-config endpoint`: ENDPOINT, STATUS, OUTLIER CHECK, CLUSTER (from EDS, health as sent). */
export function endpointTable(assignments: readonly Json[]): string {
  const out: string[][] = [];
  for (const cla of assignments) {
    for (const group of arr(cla.endpoints)) {
      for (const lb of arr(group.lb_endpoints)) {
        const sa = obj(obj(obj(lb.endpoint).address).socket_address);
        const health = str(lb.health_status);
        // UNKNOWN is how Envoy treats an endpoint without health checking: in rotation.
        const status = health === '' || health === 'UNKNOWN' ? 'HEALTHY' : health;
        out.push([`${str(sa.address)}:${str(sa.port_value)}`, status, 'OK', str(cla.cluster_name)]);
      }
    }
  }
  out.sort((a, b) => cmp(a[3]!, b[3]!) || cmp(a[0]!, b[0]!));
  return renderTabTable([['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], ...out], 5);
}
