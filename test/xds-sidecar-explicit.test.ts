import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { parseNode, type ProxyInfo } from '../src/xds/proxy.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { explicitInterceptionMetadata, parseForwards, type ExplicitForward } from '../src/xds/generators/explicit-interception.js';
import { selectGenerator } from '../src/xds/generators/select.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { XDS_TYPE } from '../src/proxy/xds-client/resource-types.js';
import { translateResource } from '../src/proxy/xds-client/translate-resource.js';
import { any, bookinfoPush, generate } from './xds-sidecar-fixture.js';

type O = ProtoObject;

// Two explicit-mode workloads share 127.0.0.1 and are told apart by their allocated ports.
const EXTRA = `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-x, namespace: default}
spec: {address: 127.0.0.1, labels: {app: details, version: vx}, serviceAccount: bookinfo-details, ports: {http: 40001}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ratings-x, namespace: default}
spec: {address: 127.0.0.1, labels: {app: ratings, version: vx}, serviceAccount: bookinfo-ratings, ports: {http: 40002}}
`;

function explicitProxy(forwards: ExplicitForward[] = []): ProxyInfo {
  return parseNode({
    id: 'sidecar~127.0.0.1~details-x.default~default.svc.cluster.local',
    metadata: jsonToStruct({
      NAMESPACE: 'default', LABELS: { app: 'details', version: 'vx' }, SERVICE_ACCOUNT: 'bookinfo-details', INSTANCE_IPS: '127.0.0.1',
      ...explicitInterceptionMetadata({ httpProxyPort: 40100, inbound: new Map([[40001, 40201]]), forwards }),
    }),
  });
}

/** The network filter of a listener's only (or first) chain, its typed config unpacked. */
function firstFilter(listener: O, chain = 0): { name: string; config: O } {
  const f = ((listener.filter_chains as O[])[chain]!.filters as O[])[0]!;
  return { name: f.name as string, config: any(f.typed_config) };
}

describe('sidecar generators in explicit mode (INTERCEPTION_MODE: NONE)', () => {
  const push = bookinfoPush(EXTRA);
  const proxy = explicitProxy();

  it('binds the HTTP proxy listener and its own inbound port only, on loopback', () => {
    const lds = generate(push, proxy, 'listener');
    assert.deepEqual([...lds.keys()], ['127.0.0.1_40100', '127.0.0.1_40001']);
    const inbound = lds.get('127.0.0.1_40001')!;
    const sa = (inbound.address as O).socket_address as O;
    assert.deepEqual([sa.address, sa.port_value], ['127.0.0.1', 40001]);
    assert.ok((inbound.filter_chains as O[]).some((c) => c.transport_socket), 'PERMISSIVE keeps the mTLS chain');
  });

  it('serves every HTTP service port in the http_proxy route table, by host:port', () => {
    const rds = generate(push, proxy, 'route');
    assert.deepEqual([...rds.keys()], ['http_proxy']);
    const hosts = rds.get('http_proxy')!.virtual_hosts as O[];
    const reviews = hosts.find((h) => h.name === 'reviews.default.svc.cluster.local:9080')!;
    assert.ok((reviews.domains as string[]).includes('reviews:9080'));
    assert.ok(!(reviews.domains as string[]).includes('reviews'), 'bare names only for port 80');
    assert.equal(hosts.at(-1)!.name, 'block_all');
  });

  it('forwards inbound|<allocated>|| to the app port on loopback', () => {
    const cds = generate(push, proxy, 'cluster');
    const lb = ((((cds.get('inbound|40001||')!.load_assignment as O).endpoints as O[])[0]!.lb_endpoints as O[])[0]!.endpoint as O);
    const sa = (lb.address as O).socket_address as O;
    assert.deepEqual([sa.address, sa.port_value], ['127.0.0.1', 40201]);
    assert.ok(![...cds.keys()].includes('inbound|40002||'), "another workload's port on 127.0.0.1 is not ours");
  });
});

describe('port forwards of an explicit-mode sidecar (PLEXUS_FORWARDS)', () => {
  const forwards = parseForwards([
    'reviews:9080=40301', 'mysqldb.default:3306=40302', 'httpbin.org:443=40303', 'legacy.db.internal:5432=40304',
    'nosuch:80=40305', 'details.default.svc.cluster.local:9080=40306', 'api.example.com:80=40307', 'reviews:9999=40308',
    'productpage:9080=40309',
  ].join(','));
  const push = bookinfoPush(`${EXTRA}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: productpage, namespace: default}
spec: {host: productpage, trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}}
`);
  const proxy = explicitProxy(forwards);

  it('reads HOST:PORT=LOCAL lists and refuses junk', () => {
    assert.deepEqual(parseForwards('Reviews:9080=40301, ratings.other:9090=40302'), [
      { host: 'reviews', port: 9080, local: 40301 }, { host: 'ratings.other', port: 9090, local: 40302 },
    ]);
    for (const bad of ['reviews:9080', 'reviews=1', '*.x:80=1', 'a:0=1', 'a:80=70000', '[::1]:80=1']) assert.throws(() => parseForwards(bad), /HOST:PORT=LOCAL/, bad);
  });

  it('binds one loopback listener per forward, after the proxy and inbound ones', () => {
    const lds = generate(push, proxy, 'listener');
    assert.deepEqual([...lds.keys()], ['127.0.0.1_40100', '127.0.0.1_40001', ...forwards.map((f) => `127.0.0.1_${f.local}`)]);
    const sa = (lds.get('127.0.0.1_40301')!.address as O).socket_address as O;
    assert.deepEqual([sa.address, sa.port_value], ['127.0.0.1', 40301]);
    assert.ok(!lds.get('127.0.0.1_40301')!.bind_to_port, 'bound, unlike captured outbound listeners');
  });

  it('serves an HTTP service port with a connection manager on its own route configuration', () => {
    const { name, config } = firstFilter(generate(push, proxy, 'listener').get('127.0.0.1_40301')!);
    assert.equal(name, 'envoy.filters.network.http_connection_manager');
    assert.equal((config.rds as O).route_config_name, 'forward_40301');
  });

  it("routes a forward exactly as the service's virtual host, for any authority, rewritten to the service's", () => {
    const rds = generate(push, proxy, 'route');
    assert.deepEqual([...rds.keys()], ['http_proxy', 'forward_40301', 'forward_40306', 'forward_40307']);
    const [vh, ...more] = rds.get('forward_40301')!.virtual_hosts as O[];
    assert.equal(more.length, 0);
    assert.equal(vh!.name, 'reviews.default.svc.cluster.local:9080');
    assert.deepEqual(vh!.domains, ['*']);
    const original = (rds.get('http_proxy')!.virtual_hosts as O[]).find((h) => h.name === 'reviews.default.svc.cluster.local:9080')!;
    const routes = vh!.routes as O[];
    assert.deepEqual(routes.map((r) => r.name), (original.routes as O[]).map((r) => r.name), 'the same routes, in order');
    const split = routes.find((r) => r.name === 'split')!.route as O;
    assert.deepEqual(((split.weighted_clusters as O).clusters as O[]).map((c) => c.name), ['outbound|9080|v1|reviews.default.svc.cluster.local', 'outbound|9080|v3|reviews.default.svc.cluster.local']);
    assert.equal(split.host_rewrite_literal, 'reviews.default.svc.cluster.local:9080');
    assert.equal((routes.find((r) => r.name?.toString().startsWith('v3-api'))!.route as O).host_rewrite_literal, 'reviews-v3.internal', "the VirtualService's own authority rewrite wins");
    const details = (rds.get('forward_40306')!.virtual_hosts as O[])[0]!;
    assert.equal(((details.routes as O[])[0]!.route as O).cluster, 'outbound|9080||details.default.svc.cluster.local');
    assert.equal((((rds.get('forward_40307')!.virtual_hosts as O[])[0]!.routes as O[])[0]!.route as O).host_rewrite_literal, 'api.example.com', 'port 80 leaves the port out');
  });

  it('adds the forward ports to the http_proxy table (http://reviews:$REVIEWS_SERVICE_PORT through HTTP_PROXY)', () => {
    const hosts = generate(push, proxy, 'route').get('http_proxy')!.virtual_hosts as O[];
    const fwd = hosts.find((h) => h.name === 'forward_40301')!;
    assert.ok((fwd.domains as string[]).includes('reviews:40301'));
    assert.ok((fwd.domains as string[]).includes('reviews.default.svc.cluster.local:40301'));
    assert.equal(hosts.at(-1)!.name, 'block_all');
  });

  it("tcp-proxies a TCP port by the VirtualService's tcp route and weights", () => {
    const { name, config } = firstFilter(generate(push, proxy, 'listener').get('127.0.0.1_40302')!);
    assert.equal(name, 'envoy.filters.network.tcp_proxy');
    assert.deepEqual(((config.weighted_clusters as O).clusters as O[]).map((c) => [c.name, c.weight]), [
      ['outbound|3306||mysqldb.default.svc.cluster.local', 90], ['outbound|5432||legacy.db.internal', 10],
    ]);
  });

  it('keeps the TLS routes by SNI, then the service itself, for a TLS port', () => {
    const l = generate(push, proxy, 'listener').get('127.0.0.1_40303')!;
    const chains = l.filter_chains as O[];
    assert.deepEqual((chains[0]!.filter_chain_match as O).server_names, ['httpbin.org']);
    assert.equal(firstFilter(l, chains.length - 1).config.cluster, 'outbound|443||httpbin.org');
    assert.ok((l.listener_filters as O[]).some((f) => f.name === 'envoy.filters.listener.tls_inspector'));
  });

  it('holds the port of a forward that resolves to nothing usable, closing connections', () => {
    const lds = generate(push, proxy, 'listener');
    // resolution NONE and PASSTHROUGH (ORIGINAL_DST would loop back to the forward), an unknown host, a port the service lacks.
    for (const local of [40304, 40305, 40308, 40309]) assert.equal(firstFilter(lds.get(`127.0.0.1_${local}`)!).config.cluster, 'BlackHoleCluster', String(local));
  });

  it("is accepted by the proxy's xDS translation (listeners and route configurations)", () => {
    const noFiles = (path: string): string => {
      throw new Error(`no file ${path}`);
    };
    for (const [type, xds] of [['listener', XDS_TYPE.listener], ['route', XDS_TYPE.route]] as const) {
      const resources = selectGenerator(TYPE_URL[type], proxy)!(push, proxy, undefined);
      resources.forEach((r, i) => assert.doesNotThrow(() => translateResource(xds, r.resource as never, 'v', i, noFiles, r.name), r.name));
    }
  });

  it('follows a VirtualService applied later (RDS is regenerated from the new push)', () => {
    const later = bookinfoPush(`${EXTRA}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: details, namespace: default}
spec: {host: details, subsets: [{name: v1, labels: {version: v1}}, {name: vx, labels: {version: vx}}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: details, namespace: default}
spec:
  hosts: [details]
  http: [{route: [{destination: {host: details, subset: v1}, weight: 20}, {destination: {host: details, subset: vx}, weight: 80}]}]
`);
    const route = (((generate(later, proxy, 'route', ['forward_40306']).get('forward_40306')!.virtual_hosts as O[])[0]!.routes as O[])[0]!.route as O);
    assert.deepEqual(((route.weighted_clusters as O).clusters as O[]).map((c) => [c.name, (c.weight as O).value]), [
      ['outbound|9080|v1|details.default.svc.cluster.local', 20], ['outbound|9080|vx|details.default.svc.cluster.local', 80],
    ]);
  });
});
