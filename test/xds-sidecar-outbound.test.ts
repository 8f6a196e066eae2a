import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { any, bookinfoPush, generate, productpageProxy } from './xds-sidecar-fixture.js';

type O = ProtoObject;
const REVIEWS = 'reviews.default.svc.cluster.local';

const push = bookinfoPush();
const proxy = productpageProxy();

describe('sidecar LDS (outbound)', () => {
  const lds = generate(push, proxy, 'listener');

  it('names listeners as istioctl shows them', () => {
    assert.deepEqual([...lds.keys()], [
      '0.0.0.0_80', '0.0.0.0_9080', '0.0.0.0_9090', '0.0.0.0_443', '198.19.1.1_5432', '198.19.0.5_3306', 'virtualOutbound', 'virtualInbound',
    ]);
  });

  it('HTTP ports: HCM with RDS named by the port, CORS and fault before the router', () => {
    const l = lds.get('0.0.0.0_9080')!;
    assert.equal(l.traffic_direction, 'OUTBOUND');
    assert.deepEqual(l.bind_to_port, { value: false });
    const chain = (l.filter_chains as O[])[0]!;
    const f = (chain.filters as O[])[0]!;
    assert.equal(f.name, 'envoy.filters.network.http_connection_manager');
    const hcm = any(f.typed_config);
    assert.equal((hcm.rds as O).route_config_name, '9080');
    assert.equal(hcm.stat_prefix, 'outbound_0.0.0.0_9080');
    assert.deepEqual((hcm.http_filters as O[]).map((h) => h.name), ['envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
  });

  it('TCP ports: per-VIP listener, tcp_proxy from the VirtualService tcp route (weights), sourceLabels honoured', () => {
    const l = lds.get('198.19.0.5_3306')!;
    assert.deepEqual(((l.address as O).socket_address as O).address, '198.19.0.5');
    const tcp = any(((l.filter_chains as O[])[0]!.filters as O[])[0]!.typed_config);
    // The first tcp rule is for app=nobody, so the weighted second one applies.
    assert.deepEqual(((tcp.weighted_clusters as O).clusters as O[]).map((c) => [c.name, c.weight]), [
      ['outbound|3306||mysqldb.default.svc.cluster.local', 90], ['outbound|5432||legacy.db.internal', 10],
    ]);
    const legacy = any(((lds.get('198.19.1.1_5432')!.filter_chains as O[])[0]!.filters as O[])[0]!.typed_config);
    assert.equal(legacy.cluster, 'outbound|5432||legacy.db.internal');
  });

  it('TLS ports without VIP: SNI chains from tls routes, then the host name (duplicate matches dropped)', () => {
    const l = lds.get('0.0.0.0_443')!;
    assert.deepEqual((l.listener_filters as O[]).map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
    const chains = l.filter_chains as O[];
    assert.deepEqual(chains.map((c) => (c.filter_chain_match as O).server_names), [['httpbin.org']]);
    assert.equal(any((chains[0]!.filters as O[])[0]!.typed_config).cluster, 'outbound|443||httpbin.org');
  });

  it('virtualOutbound: original destination hand-off, passthrough to PassthroughCluster (ALLOW_ANY)', () => {
    const l = lds.get('virtualOutbound')!;
    assert.deepEqual(((l.address as O).socket_address as O).port_value, 15001);
    assert.deepEqual(l.use_original_dst, { value: true });
    const chains = l.filter_chains as O[];
    assert.deepEqual(chains.map((c) => c.name), ['virtualOutbound-blackhole', 'PassthroughFilterChain']);
    assert.equal(any((chains[1]!.filters as O[])[0]!.typed_config).cluster, 'PassthroughCluster');
  });

  it('REGISTRY_ONLY from MeshConfig: passthrough chain and fallback virtual host block', () => {
    const strict = bookinfoPush('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n');
    const l = generate(strict, proxy, 'listener', ['virtualOutbound']).get('virtualOutbound')!;
    assert.equal(any(((l.filter_chains as O[])[1]!.filters as O[])[0]!.typed_config).cluster, 'BlackHoleCluster');
    const rc = generate(strict, proxy, 'route', ['9080']).get('9080')!;
    const last = (rc.virtual_hosts as O[]).at(-1)!;
    assert.equal(last.name, 'block_all');
    assert.equal((((last.routes as O[])[0]!.direct_response) as O).status, 502);
  });

  it('virtualInbound: per-port chain to inbound|9080|| with an inline route, blackhole and passthrough', () => {
    const l = lds.get('virtualInbound')!;
    assert.equal(l.traffic_direction, 'INBOUND');
    assert.deepEqual(((l.address as O).socket_address as O).port_value, 15006);
    const chains = l.filter_chains as O[];
    // PERMISSIVE (no PeerAuthentication): the mesh mTLS chain, the plaintext one, and a TLS
    // passthrough chain for a non-mesh client's own TLS.
    assert.deepEqual(chains.map((c) => c.name), ['virtualInbound-blackhole', 'inbound_0.0.0.0_9080', 'inbound_0.0.0.0_9080', 'inbound_0.0.0.0_9080', 'virtualInbound']);
    const match = (i: number): [unknown, unknown] => [(chains[i]!.filter_chain_match as O).destination_port, (chains[i]!.filter_chain_match as O).transport_protocol];
    assert.deepEqual(match(1), [{ value: 9080 }, 'tls']);
    assert.deepEqual((chains[1]!.filter_chain_match as O).application_protocols, ['istio-peer-exchange', 'istio']);
    assert.equal((chains[1]!.transport_socket as O).name, 'envoy.transport_sockets.tls');
    assert.deepEqual(match(2), [{ value: 9080 }, 'raw_buffer']);
    assert.ok(!chains[2]!.transport_socket);
    assert.deepEqual(match(3), [{ value: 9080 }, 'tls']);
    assert.ok(!chains[3]!.transport_socket, 'non-mesh TLS is passed through, not terminated');
    const hcm = any((chains[1]!.filters as O[])[0]!.typed_config);
    const rc = hcm.route_config as O;
    assert.equal(rc.name, 'inbound|9080||');
    assert.equal((((rc.virtual_hosts as O[])[0]!.routes as O[])[0]!.route as O).cluster, 'inbound|9080||');
    assert.equal(any((chains[4]!.filters as O[])[0]!.typed_config).cluster, 'InboundPassthroughCluster');
  });
});

describe('sidecar RDS', () => {
  const rds = generate(push, proxy, 'route');
  const vhosts = (name: string): O[] => rds.get(name)!.virtual_hosts as O[];
  const vh = (name: string, host: string): O => vhosts(name).find((v) => v.name === host)!;

  it('one route configuration per HTTP port, virtual hosts per service, allow_any last', () => {
    assert.deepEqual([...rds.keys()], ['80', '9080', '9090']);
    assert.deepEqual(vhosts('9080').map((v) => v.name), [
      'details.default.svc.cluster.local:9080', 'productpage.default.svc.cluster.local:9080', 'ratings.default.svc.cluster.local:9080',
      `${REVIEWS}:9080`, 'secret.hidden.svc.cluster.local:9080', 'allow_any',
    ]);
    const allow = vh('9080', 'allow_any');
    assert.deepEqual(allow.domains, ['*']);
    assert.equal(((allow.routes as O[])[0]!.route as O).cluster, 'PassthroughCluster');
  });

  it('domains: FQDN, name.ns.svc, name.ns, short name (same namespace only), VIP — with and without the port', () => {
    assert.deepEqual(vh('9080', `${REVIEWS}:9080`).domains, [
      REVIEWS, `${REVIEWS}:9080`, 'reviews.default.svc', 'reviews.default.svc:9080', 'reviews.default', 'reviews.default:9080', 'reviews', 'reviews:9080', '198.19.0.2', '198.19.0.2:9080',
    ]);
    const other = vh('9080', 'secret.hidden.svc.cluster.local:9080').domains as string[];
    assert.ok(!other.includes('secret') && other.includes('secret.hidden'));
  });

  it('default route when no VirtualService exists', () => {
    const r = (vh('9080', 'details.default.svc.cluster.local:9080').routes as O[])[0]!;
    assert.equal(r.name, 'default');
    assert.equal((r.route as O).cluster, 'outbound|9080||details.default.svc.cluster.local');
    assert.deepEqual((r.route as O).timeout, { seconds: '0', nanos: 0 });
  });

  it('VirtualService rules in order: matches, sourceLabels, fault, retries with status codes', () => {
    const routes = vh('9080', `${REVIEWS}:9080`).routes as O[];
    assert.deepEqual(routes.map((r) => r.name), ['jason.by-header', 'v3-api', 'v3-api', 'regex-rewrite', 'split']);
    const [jason] = routes as [O];
    const header = ((jason.match as O).headers as O[])[0]!;
    assert.deepEqual([header.name, (header.string_match as O).exact, header.invert_match], ['end-user', 'jason', false]);
    const action = jason.route as O;
    assert.equal(action.cluster, `outbound|9080|v2|${REVIEWS}`);
    const retry = action.retry_policy as O;
    assert.equal(retry.retry_on, '5xx,connect-failure,retriable-status-codes');
    assert.deepEqual(retry.retriable_status_codes, [503, 504]);
    assert.deepEqual(retry.num_retries, { value: 3 });
    assert.deepEqual(retry.per_try_timeout, { seconds: '2', nanos: 0 });
    // The subset's simple LB replaces the consistent hash, so no hash policy on v2.
    assert.deepEqual(action.hash_policy, []);
    const fault = any((jason.typed_per_filter_config as Record<string, unknown>)['envoy.filters.http.fault']);
    assert.deepEqual((fault.abort as O).http_status, 503);
    assert.deepEqual((fault.abort as O).percentage, { numerator: 125000, denominator: 'MILLION' });
  });

  it('uri, method, authority, withoutHeaders, queryParams; rewrite; mirrors; hash policy from the DestinationRule', () => {
    const routes = vh('9080', `${REVIEWS}:9080`).routes as O[];
    const v3 = routes[1]!;
    const m = v3.match as O;
    assert.equal(m.prefix, '/v3/');
    assert.deepEqual((m.headers as O[]).map((h) => [h.name, h.header_match_specifier, h.invert_match]), [['x-skip', 'present_match', true], [':method', 'string_match', false], [':authority', 'string_match', false]]);
    assert.deepEqual((m.query_parameters as O[]).map((q) => [q.name, q.query_parameter_match_specifier]), [['debug', 'string_match'], ['trace', 'present_match']]);
    const a = v3.route as O;
    assert.equal(a.prefix_rewrite, '/');
    assert.equal(a.host_rewrite_literal, 'reviews-v3.internal');
    assert.deepEqual((a.request_mirror_policies as O[]).map((p) => [p.cluster, ((p.runtime_fraction as O).default_value as O).numerator]), [
      [`outbound|9080|v1|${REVIEWS}`, 100000], ['outbound|9080||ratings.default.svc.cluster.local', 250000],
    ]);
    const cookie = (a.hash_policy as O[])[0]!.cookie as O;
    assert.deepEqual([cookie.name, cookie.path, cookie.ttl], ['user', '/', { seconds: '60', nanos: 0 }]);
    assert.equal(((routes[2]!.match as O).safe_regex as O).regex, '^/api/v[0-9]+/.*');
    const rx = routes[3]!.route as O;
    assert.deepEqual(rx.regex_rewrite, { pattern: { regex: '^/old$' }, substitution: '/new' });
  });

  it('weighted clusters (zero weight dropped), timeout, CORS per route, header operations', () => {
    const split = (vh('9080', `${REVIEWS}:9080`).routes as O[])[4]!;
    const a = split.route as O;
    const wc = (a.weighted_clusters as O).clusters as O[];
    assert.deepEqual(wc.map((c) => [c.name, (c.weight as O).value]), [[`outbound|9080|v1|${REVIEWS}`, 75], [`outbound|9080|v3|${REVIEWS}`, 25]]);
    assert.equal(((wc[0]!.request_headers_to_add as O[])[0]!.header as O).key, 'x-subset');
    assert.deepEqual(a.timeout, { seconds: '5', nanos: 0 });
    assert.deepEqual((split.request_headers_to_add as O[]).map((h) => [(h.header as O).key, h.append_action]), [['x-mesh', 'OVERWRITE_IF_EXISTS_OR_ADD'], ['x-hop', 'APPEND_IF_EXISTS_OR_ADD']]);
    assert.deepEqual(split.request_headers_to_remove, ['x-internal']);
    assert.deepEqual(split.response_headers_to_remove, ['server']);
    const cors = any((split.typed_per_filter_config as Record<string, unknown>)['envoy.filters.http.cors']);
    assert.deepEqual((cors.allow_origin_string_match as O[]).map((o) => o.match_pattern), ['exact', 'safe_regex']);
    assert.equal(cors.allow_methods, 'GET,POST');
    assert.equal(cors.max_age, '86400');
    assert.deepEqual(cors.allow_credentials, { value: true });
  });

  it('redirect, direct response, and a delay fault with header hash policy', () => {
    const routes = vh('9080', 'ratings.default.svc.cluster.local:9080').routes as O[];
    const redirect = routes[0]!.redirect as O;
    assert.deepEqual([redirect.path_redirect, redirect.host_redirect, redirect.response_code], ['/ratings', 'ratings.example.com', 'PERMANENT_REDIRECT']);
    assert.equal(((routes[1]!.direct_response as O).body as O).inline_string, 'ok');
    const fault = any((routes[2]!.typed_per_filter_config as Record<string, unknown>)['envoy.filters.http.fault']);
    assert.deepEqual((fault.delay as O).fixed_delay, { seconds: '1', nanos: 500_000_000 });
    assert.equal(((((routes[2]!.route as O).hash_policy as O[])[0]!.header) as O).header_name, 'x-user');
  });
});
