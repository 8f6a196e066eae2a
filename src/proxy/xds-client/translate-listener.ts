import { isIP } from 'node:net';
import type { CidrRange, FilterChain, FilterChainMatch, ListenerConfig, SocketAddress } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { list, num, obj, str, strings, wrapped, wrappedBool } from './proto-values.js';
import type { TranslateContext } from './translate-context.js';
import { translateHttpConnectionManager } from './translate-http-connection-manager.js';
import { translateNetworkFilter } from './translate-network-filter.js';
import { translateDownstreamSocket } from './translate-tls.js';

const LISTENER_FILTER = {
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  httpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  originalDst: 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
} as const;

/** Listener filter names, for filters given without a typed_config (old configs). */
const LISTENER_FILTER_BY_NAME: Readonly<Record<string, string>> = {
  'envoy.filters.listener.tls_inspector': LISTENER_FILTER.tlsInspector,
  'envoy.filters.listener.http_inspector': LISTENER_FILTER.httpInspector,
  'envoy.filters.listener.original_dst': LISTENER_FILTER.originalDst,
};

/** `config.core.v3.Address` with a socket address (pipes and internal addresses are not supported). */
export function translateSocketAddress(a: unknown, at: FieldPath, allowHostname = false): SocketAddress {
  const sa = obj(obj(a)?.socket_address) ?? at.at('socket_address').fail('a socket address is required');
  const p = at.at('socket_address');
  const address = str(sa.address) ?? p.at('address').fail('address is required');
  if (!allowHostname && isIP(address) === 0) p.at('address').fail(`${address} is not an IP address`);
  if (sa.protocol !== undefined && sa.protocol !== 'TCP') p.at('protocol').fail(`protocol ${String(sa.protocol)} is not supported`);
  if (sa.named_port !== undefined) p.at('named_port').fail('named ports are not supported');
  const port = num(sa.port_value) ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) p.at('port_value').fail(`port ${port} is out of range`);
  return { address, port };
}

function cidrs(v: unknown, at: FieldPath): CidrRange[] | undefined {
  const items = list(v);
  if (items.length === 0) return undefined;
  return items.map((c, i) => {
    const p = at.at('', i);
    const addressPrefix = str(c.address_prefix) ?? p.at('address_prefix').fail('required');
    const family = isIP(addressPrefix);
    if (family === 0) p.at('address_prefix').fail(`${addressPrefix} is not an IP address`);
    const prefixLen = wrapped(c.prefix_len) ?? 0;
    if (prefixLen > (family === 4 ? 32 : 128)) p.at('prefix_len').fail(`prefix length ${prefixLen} is too long`);
    return { addressPrefix, prefixLen };
  });
}

function chainMatch(m: ProtoJson | undefined, at: FieldPath): FilterChainMatch {
  if (!m) return {};
  for (const unsupported of ['source_ports', 'direct_source_prefix_ranges']) {
    if (list(m[unsupported]).length > 0) at.at(unsupported).fail('not supported');
  }
  if (m.source_type !== undefined && m.source_type !== 'ANY') at.at('source_type').fail('not supported');
  const out: { -readonly [K in keyof FilterChainMatch]: FilterChainMatch[K] } = {};
  const port = wrapped(m.destination_port);
  if (port !== undefined) {
    if (port < 1 || port > 65535) at.at('destination_port').fail(`port ${port} is out of range`);
    out.destinationPort = port;
  }
  const prefixes = cidrs(m.prefix_ranges, at.at('prefix_ranges'));
  if (prefixes) out.prefixRanges = prefixes;
  const sources = cidrs(m.source_prefix_ranges, at.at('source_prefix_ranges'));
  if (sources) out.sourcePrefixRanges = sources;
  const names = strings(m.server_names);
  names.forEach((n, i) => {
    if (n.includes('*') && !(n.startsWith('*.') && n.indexOf('*', 1) === -1)) at.at('server_names', i).fail(`invalid server name ${JSON.stringify(n)}`);
  });
  if (names.length > 0) out.serverNames = names;
  const transport = str(m.transport_protocol);
  if (transport) out.transportProtocol = transport;
  const alpn = strings(m.application_protocols);
  if (alpn.length > 0) out.applicationProtocols = alpn;
  return out;
}

function filterChain(c: ProtoJson, at: FieldPath, ctx: TranslateContext, fallbackName: string): FilterChain {
  const filters = list(c.filters).map((f, i) => translateNetworkFilter(f, at.at('filters', i), ctx));
  if (filters.length === 0) at.at('filters').fail('a filter chain needs at least one network filter');
  filters.slice(0, -1).forEach((f, i) => {
    if (f.kind !== 'network_rbac') at.at('filters', i).fail(`${f.kind} is a terminal filter and must come last`);
  });
  if (filters[filters.length - 1]!.kind === 'network_rbac') at.at('filters').fail('the last network filter must be tcp_proxy or http_connection_manager');
  if (c.on_demand_configuration !== undefined) at.at('on_demand_configuration').fail('not supported');
  const tls = translateDownstreamSocket(obj(c.transport_socket), at.at('transport_socket'), ctx);
  return { name: str(c.name) ?? fallbackName, match: chainMatch(obj(c.filter_chain_match), at.at('filter_chain_match')), ...(tls ? { tls } : {}), filters };
}

/** Stable text of a match, to find chains Envoy would call duplicates. */
function matchKey(m: FilterChainMatch): string {
  const sorted = (v: readonly unknown[] | undefined): string => JSON.stringify(v ? [...v].map((x) => JSON.stringify(x)).sort() : []);
  return [m.destinationPort ?? '', sorted(m.prefixRanges), sorted(m.sourcePrefixRanges), sorted(m.serverNames), m.transportProtocol ?? '', sorted(m.applicationProtocols)].join('|');
}

/** Listener filters the proxy implements (original_dst is implied by capture). */
function listenerFilters(v: unknown, at: FieldPath): { tlsInspector: boolean; httpInspector: boolean } {
  const out = { tlsInspector: false, httpInspector: false };
  list(v).forEach((f, i) => {
    const typed = obj(f.typed_config);
    const type = typeof typed?.['@type'] === 'string' ? String(typed['@type']) : LISTENER_FILTER_BY_NAME[String(f.name ?? '')];
    if (type === LISTENER_FILTER.tlsInspector) out.tlsInspector = true;
    else if (type === LISTENER_FILTER.httpInspector) out.httpInspector = true;
    else if (type !== LISTENER_FILTER.originalDst) at.at('', i).fail(`unsupported listener filter ${String(f.name ?? '')} (${String(typed?.['@type'] ?? typed?.type_url ?? '')})`);
  });
  return out;
}

/**
 * `config.listener.v3.Listener` → model. An `api_listener` (proxyless gRPC's shape) becomes
 * a listener that binds nothing and has one chain holding its HTTP connection manager.
 */
export function translateListener(l: ProtoJson, at: FieldPath, ctx: TranslateContext): ListenerConfig {
  const name = str(l.name) ?? at.at('name').fail('listener name is required');
  const api = obj(obj(l.api_listener)?.api_listener);
  if (api) {
    const p = at.at('api_listener').at('api_listener');
    if (!String(api['@type'] ?? '').endsWith('.HttpConnectionManager')) p.fail('an api_listener must hold an HttpConnectionManager');
    const hcm = translateHttpConnectionManager(api, p, ctx);
    return {
      name, address: { address: '0.0.0.0', port: 0 }, useOriginalDst: false, bindToPort: false, tlsInspector: false, httpInspector: false,
      filterChains: [{ name: 'api_listener', match: {}, filters: [hcm] }], apiListener: true,
    };
  }
  const address = translateSocketAddress(l.address, at.at('address'));
  if (list(l.additional_addresses).length > 0) at.at('additional_addresses').fail('not supported');
  if (l.filter_chain_matcher !== undefined) at.at('filter_chain_matcher').fail('the matcher API is not supported; use filter_chain_match');
  const chains = list(l.filter_chains).map((c, i) => filterChain(c, at.at('filter_chains', i), ctx, `${name}#${i}`));
  const seen = new Map<string, number>();
  chains.forEach((c, i) => {
    const key = matchKey(c.match);
    const other = seen.get(key);
    if (other !== undefined) at.at('filter_chains', i).fail(`multiple filter chains with the same matching rules (also filter_chains[${other}])`);
    seen.set(key, i);
  });
  const def = obj(l.default_filter_chain);
  const defaultFilterChain = def ? filterChain(def, at.at('default_filter_chain'), ctx, `${name}#default`) : undefined;
  if (chains.length === 0 && !defaultFilterChain) at.at('filter_chains').fail('no filter chains and no default filter chain');
  return {
    name,
    address,
    useOriginalDst: wrappedBool(l.use_original_dst) ?? false,
    bindToPort: wrappedBool(l.bind_to_port) ?? wrappedBool(obj(l.deprecated_v1)?.bind_to_port) ?? true,
    ...listenerFilters(l.listener_filters, at.at('listener_filters')),
    filterChains: chains,
    ...(defaultFilterChain ? { defaultFilterChain } : {}),
  };
}
