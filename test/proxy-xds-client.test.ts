// The proxy's xds-client against a scriptable ADS server: subscription order, translation
// into the model, warming, NACKs that keep the last snapshot, reconnects, and Delta basics.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { SecretConfig } from '../src/proxy/config/model.js';
import { EMPTY_SNAPSHOT, SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import type { LocalSecretProvider } from '../src/proxy/xds-client/local-secret-provider.js';
import { packAny, type ProtoJson } from '../src/proxy/xds-client/proto-root.js';
import { structToJson } from '../src/proxy/xds-client/struct-json.js';
import { XdsClient, type XdsClientOptions } from '../src/proxy/xds-client/xds-client.js';
import { edsCluster, FakeAds, httpListener, istioMutualSocket, loadAssignment, routeConfig, TYPES, type FakeStream } from './proxy-xds-client-fake-ads.js';

const C_REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const SPIFFE_REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const NODE = { type: 'sidecar' as const, ip: '198.18.0.5', podName: 'productpage-v1-abc', namespace: 'default', labels: { app: 'productpage', version: 'v1' }, serviceAccount: 'productpage', extraMetadata: { AUTO_REGISTER_GROUP: 'productpage' }, locality: { region: 'r1', zone: 'z1' } };

/** The agent's certificates, supplied locally instead of over SDS. */
function localSecrets(): LocalSecretProvider & { rotate(pem: string): void } {
  let listeners: Array<() => void> = [];
  const secrets = new Map<string, SecretConfig>([
    ['default', { name: 'default', certificateChain: 'CHAIN-1', privateKey: 'KEY-1' }],
    ['ROOTCA', { name: 'ROOTCA', trustedCa: 'ROOT' }],
  ]);
  return {
    names: ['default', 'ROOTCA'],
    get: (n) => secrets.get(n),
    onChange: (l) => {
      listeners.push(l);
      return () => { listeners = listeners.filter((x) => x !== l); };
    },
    rotate: (pem) => {
      secrets.set('default', { name: 'default', certificateChain: pem, privateKey: 'KEY-2' });
      for (const l of listeners) l();
    },
  };
}

interface Harness {
  ads: FakeAds;
  client: XdsClient;
  holder: SnapshotHolder;
  close(): Promise<void>;
}

async function start(opts: Partial<XdsClientOptions> = {}): Promise<Harness> {
  const ads = new FakeAds();
  const port = await ads.start();
  const holder = new SnapshotHolder();
  const client = new XdsClient({
    address: `127.0.0.1:${port}`, node: NODE, holder, localSecrets: localSecrets(),
    backoff: { initialMs: 50, maxMs: 200, jitter: 0.2 }, initialFetchTimeoutMs: 5000,
    logger: pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'silent' }), ...opts,
  });
  client.start();
  return { ads, client, holder, close: async () => { client.close(); await ads.stop(); } };
}

function nextSnapshot(client: XdsClient, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no snapshot published')), timeoutMs);
    client.once('snapshot', () => { clearTimeout(t); resolve(); });
  });
}

function isAck(req: ProtoJson, nonce: string, version: string): boolean {
  return req.response_nonce === nonce && req.version_info === version && !req.error_detail;
}

/** Drives a SotW stream through CDS → EDS → LDS → RDS with one cluster and one listener. */
async function syncOnce(s: FakeStream, version = 'v1'): Promise<void> {
  await s.next(TYPES.cluster);
  const cn = s.respond(TYPES.cluster, version, [edsCluster(C_REVIEWS, { transport_socket: istioMutualSocket('outbound_.9080_._.reviews.default.svc.cluster.local', [SPIFFE_REVIEWS]) })]);
  assert.ok(isAck(await s.next(TYPES.cluster), cn, version));
  await s.next(TYPES.endpoint);
  s.respond(TYPES.endpoint, version, [loadAssignment(C_REVIEWS, ['198.18.0.7'], 9080)]);
  await s.next(TYPES.listener);
  s.respond(TYPES.listener, version, [httpListener('0.0.0.0_9080', 9080, '9080')]);
  await s.next(TYPES.route);
  s.respond(TYPES.route, version, [routeConfig('9080', C_REVIEWS)]);
}

describe('proxy xds-client (state of the world)', { timeout: 30_000 }, () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('subscribes in Envoy order, warms until RDS arrives, and publishes the translated model', async () => {
    h = await start();
    const s = await h.ads.stream(0);

    // CDS first, carrying the Istio-style node.
    const cds = await s.next();
    assert.equal(cds.type_url, TYPES.cluster);
    const node = cds.node as ProtoJson;
    assert.equal(node.id, 'sidecar~198.18.0.5~productpage-v1-abc.default~default.svc.cluster.local');
    const meta = structToJson(node.metadata);
    assert.equal(meta.NAMESPACE, 'default');
    assert.deepEqual(meta.LABELS, { app: 'productpage', version: 'v1' });
    assert.equal(meta.SERVICE_ACCOUNT, 'productpage');
    assert.equal(meta.WORKLOAD_NAME, 'productpage-v1-abc');
    assert.equal(meta.INSTANCE_IPS, '198.18.0.5');
    assert.equal(meta.CLUSTER_ID, 'Kubernetes');
    assert.equal(meta.AUTO_REGISTER_GROUP, 'productpage');
    assert.deepEqual(node.locality, { region: 'r1', zone: 'z1' });
    assert.deepEqual(cds.resource_names ?? [], []);
    assert.ok(await s.quiet(TYPES.listener, 200), 'LDS waits for the first CDS response');

    const cn = s.respond(TYPES.cluster, 'c1', [
      edsCluster(C_REVIEWS, {
        lb_policy: 'LEAST_REQUEST',
        circuit_breakers: { thresholds: [{ max_connections: { value: 100 }, max_pending_requests: { value: 10 }, max_requests: { value: 1000 }, max_retries: { value: 2 } }] },
        outlier_detection: { consecutive_5xx: { value: 3 }, interval: { seconds: 5 }, base_ejection_time: { seconds: 60 }, max_ejection_percent: { value: 50 } },
        common_lb_config: { healthy_panic_threshold: { value: 30 } },
        transport_socket: istioMutualSocket('outbound_.9080_._.reviews.default.svc.cluster.local', [SPIFFE_REVIEWS]),
        typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': packAny('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', { explicit_http_config: { http2_protocol_options: { max_concurrent_streams: { value: 64 } } }, common_http_protocol_options: { idle_timeout: { seconds: 30 } } }) },
      }),
      packAny('envoy.config.cluster.v3.Cluster', { name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: { seconds: 10 } }),
    ]);
    assert.ok(isAck(await s.next(TYPES.cluster), cn, 'c1'));
    const eds = await s.next(TYPES.endpoint);
    assert.deepEqual(eds.resource_names, [C_REVIEWS]);
    // Secrets come from the agent: no SDS request at all.
    assert.ok(await s.quiet(TYPES.secret, 100));
    const lds = await s.next(TYPES.listener);
    assert.deepEqual(lds.resource_names ?? [], []);

    const en = s.respond(TYPES.endpoint, 'e1', [loadAssignment(C_REVIEWS, ['198.18.0.7', '198.18.0.8'], 9080)]);
    const edsAck = await s.next(TYPES.endpoint);
    assert.ok(isAck(edsAck, en, 'e1'));
    assert.deepEqual(edsAck.resource_names, [C_REVIEWS]);

    const ln = s.respond(TYPES.listener, 'l1', [httpListener('0.0.0.0_9080', 9080, '9080')]);
    assert.ok(isAck(await s.next(TYPES.listener), ln, 'l1'));
    const rds = await s.next(TYPES.route);
    assert.deepEqual(rds.resource_names, ['9080']);

    // Warming: the listener names a route configuration that has not arrived.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.holder.current, EMPTY_SNAPSHOT, 'nothing is published while RDS is outstanding');
    assert.deepEqual(h.client.status().warming.rds, ['9080']);

    const published = nextSnapshot(h.client);
    const rn = s.respond(TYPES.route, 'r1', [routeConfig('9080', C_REVIEWS, {
      name: 'reviews-route',
      request_headers_to_add: [{ header: { key: 'x-added', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      typed_per_filter_config: { 'envoy.filters.http.fault': packAny('envoy.extensions.filters.http.fault.v3.HTTPFault', { abort: { http_status: 503, percentage: { numerator: 50, denominator: 'HUNDRED' } } }) },
    })]);
    await published;
    assert.ok(isAck(await s.next(TYPES.route), rn, 'r1'));

    const snap = h.holder.current;
    assert.deepEqual(snap.versions, { [TYPES.cluster]: 'c1', [TYPES.endpoint]: 'e1', [TYPES.listener]: 'l1', [TYPES.route]: 'r1' });
    const l = snap.listeners.get('0.0.0.0_9080')!;
    assert.deepEqual(l.address, { address: '0.0.0.0', port: 9080 });
    assert.equal(l.bindToPort, false);
    assert.equal(l.filterChains[0]!.match.destinationPort, 9080);
    const f = l.filterChains[0]!.filters[0]!;
    assert.equal(f.kind, 'http_connection_manager');
    assert.equal(f.kind === 'http_connection_manager' && f.rdsName, '9080');
    assert.deepEqual(f.kind === 'http_connection_manager' && f.httpFilters.map((x) => x.typeUrl), ['type.googleapis.com/envoy.extensions.filters.http.router.v3.Router']);

    const route = snap.routes.get('9080')!.virtualHosts[0]!.routes[0]!;
    assert.equal(route.name, 'reviews-route');
    assert.deepEqual(route.match.path, { kind: 'prefix', value: '/' });
    assert.equal(route.action.kind, 'route');
    assert.equal(route.action.kind === 'route' && route.action.timeoutMs, 0);
    assert.deepEqual(route.action.kind === 'route' && route.action.clusters, [{ name: C_REVIEWS, weight: 1 }]);
    assert.deepEqual(route.requestHeadersToAdd, [{ key: 'x-added', value: '1', action: 'overwrite' }]);
    const fault = route.perFilterConfig?.['envoy.filters.http.fault'] as ProtoJson;
    assert.equal(fault['@type'], 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault');
    assert.equal((fault.abort as ProtoJson).http_status, 503);

    const c = snap.clusters.get(C_REVIEWS)!;
    assert.equal(c.type, 'EDS');
    assert.equal(c.lbPolicy, 'LEAST_REQUEST');
    assert.deepEqual(c.leastRequest, { choiceCount: 2 });
    assert.equal(c.connectTimeoutMs, 10_000);
    assert.deepEqual(c.circuitBreakers, { maxConnections: 100, maxPendingRequests: 10, maxRequests: 1000, maxRetries: 2 });
    assert.deepEqual(c.outlierDetection, { splitExternalLocalOriginErrors: false, intervalMs: 5000, baseEjectionTimeMs: 60_000, maxEjectionPercent: 50, consecutive5xx: 3, minHealthPercent: 30 });
    assert.equal(c.http2, true);
    assert.equal(c.maxConcurrentStreams, 64);
    assert.equal(c.idleTimeoutMs, 30_000);
    assert.deepEqual(c.tls, {
      sni: 'outbound_.9080_._.reviews.default.svc.cluster.local', certificateSecrets: ['default'], validationSecret: 'ROOTCA',
      matchSubjectAltNames: [{ kind: 'exact', value: SPIFFE_REVIEWS, sanType: 'URI' }], alpnProtocols: ['istio-peer-exchange', 'istio'], istioMutual: true, insecureSkipVerify: false,
    });
    assert.equal(snap.clusters.get('PassthroughCluster')!.lbPolicy, 'CLUSTER_PROVIDED');

    const cla = snap.endpoints.get(C_REVIEWS)!;
    assert.equal(cla.overprovisioningFactor, 140);
    assert.deepEqual(cla.localities[0]!.locality, { region: 'r1', zone: 'z1' });
    assert.equal(cla.localities[0]!.weight, 2);
    assert.deepEqual(cla.localities[0]!.endpoints.map((e) => `${e.address.address}:${e.address.port}/${e.health}`), ['198.18.0.7:9080/HEALTHY', '198.18.0.8:9080/HEALTHY']);
    assert.equal(cla.localities[0]!.endpoints[0]!.metadata['envoy.transport_socket_match.tlsMode'], 'istio');
    assert.deepEqual(snap.secrets.get('default'), { name: 'default', certificateChain: 'CHAIN-1', privateKey: 'KEY-1' });

    // The raw resources are kept for /config_dump.
    const dump = h.client.resources();
    assert.equal(dump[TYPES.listener]!.version, 'l1');
    assert.equal(dump[TYPES.listener]!.resources[0]!.resource['@type'], TYPES.listener);
    const st = h.client.status();
    assert.equal(st.state, 'connected');
    assert.equal(st.initialized, true);
    assert.deepEqual(st.types[TYPES.route]!.subscribed, ['9080']);
  });

  it('rotating a local secret republishes the snapshot', async () => {
    const secrets = localSecrets();
    h = await start({ localSecrets: secrets });
    const s = await h.ads.stream(0);
    const first = nextSnapshot(h.client);
    await syncOnce(s);
    await first;
    const before = h.holder.current;
    const rotated = nextSnapshot(h.client);
    secrets.rotate('CHAIN-2');
    await rotated;
    assert.notEqual(h.holder.current, before);
    assert.equal(h.holder.current.secrets.get('default')!.certificateChain, 'CHAIN-2');
    assert.deepEqual([...h.holder.current.clusters.keys()], [...before.clusters.keys()]);
  });

  it('NACKs a malformed response with error_detail and keeps serving the last snapshot', async () => {
    h = await start();
    const s = await h.ads.stream(0);
    const first = nextSnapshot(h.client);
    await syncOnce(s, 'v1');
    await first;
    await s.next(TYPES.route);
    const good = h.holder.current;
    let nacks = 0;
    h.client.on('nack', () => nacks++);

    // A route with a regex RE2 rejects.
    const bad = s.respond(TYPES.route, 'v2', [packAny('envoy.config.route.v3.RouteConfiguration', {
      name: '9080',
      virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { safe_regex: { regex: '/api/(unclosed' } }, route: { cluster: C_REVIEWS } }] }],
    })]);
    const nack = await s.next(TYPES.route);
    assert.equal(nack.response_nonce, bad);
    assert.equal(nack.version_info, 'v1', 'a NACK carries the last accepted version');
    const detail = nack.error_detail as ProtoJson;
    assert.equal(detail.code, 3);
    assert.match(String(detail.message), /RouteConfiguration "9080": virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex\.regex: invalid regex/);
    assert.equal(h.holder.current, good, 'the last good snapshot keeps serving');

    // An unknown cluster type, and a route to nowhere.
    const badCds = s.respond(TYPES.cluster, 'v2', [edsCluster(C_REVIEWS), packAny('envoy.config.cluster.v3.Cluster', { name: 'custom', cluster_type: { name: 'envoy.clusters.aggregate' } })]);
    const cdsNack = await s.next(TYPES.cluster);
    assert.equal(cdsNack.response_nonce, badCds);
    assert.match(String((cdsNack.error_detail as ProtoJson).message), /Cluster "custom": cluster_type: custom cluster types are not supported/);
    s.respond(TYPES.route, 'v3', [packAny('envoy.config.route.v3.RouteConfiguration', {
      name: '9080', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { timeout: { seconds: 1 } } }] }],
    })]);
    const nowhere = await s.next(TYPES.route);
    assert.match(String((nowhere.error_detail as ProtoJson).message), /routes\[0\]\.route: route to nowhere/);
    assert.equal(h.holder.current, good);
    assert.equal(nacks, 3);
    assert.equal(h.client.status().lastNack?.typeUrl, TYPES.route);
    assert.equal(h.client.status().types[TYPES.cluster]!.version, 'v1');

    // A good update after the NACKs is accepted.
    const next = nextSnapshot(h.client);
    const ok = s.respond(TYPES.route, 'v4', [routeConfig('9080', C_REVIEWS)]);
    assert.ok(isAck(await s.next(TYPES.route), ok, 'v4'));
    await next;
    assert.equal(h.holder.current.versions[TYPES.route], 'v4');
  });

  it('keeps serving while the server is away, reconnects with backoff and resyncs', async () => {
    h = await start();
    const s = await h.ads.stream(0);
    const first = nextSnapshot(h.client);
    await syncOnce(s, 'v1');
    await first;
    const served = h.holder.current;
    const port = h.ads.port;

    await h.ads.stop();
    await new Promise((r) => setTimeout(r, 300));
    assert.notEqual(h.client.status().state, 'connected');
    assert.equal(h.holder.current, served, 'the last snapshot keeps serving');

    const ads2 = new FakeAds();
    await ads2.start(port);
    const close = h.close;
    h.ads = ads2;
    h.close = async () => { await close(); await ads2.stop(); };
    const s2 = await ads2.stream(0, 10_000);
    const cds = await s2.next(TYPES.cluster);
    assert.ok(cds.node, 'the first request of the new stream carries node');
    assert.equal(cds.version_info, 'v1', 're-subscribes with the last accepted version');
    const eds = await s2.next(TYPES.endpoint);
    assert.deepEqual(eds.resource_names, [C_REVIEWS], 'EDS names are re-subscribed at once');

    const resynced = nextSnapshot(h.client);
    s2.respond(TYPES.cluster, 'v2', [edsCluster(C_REVIEWS)]);
    s2.respond(TYPES.endpoint, 'v2', [loadAssignment(C_REVIEWS, ['198.18.0.9'], 9080)]);
    await s2.next(TYPES.listener);
    s2.respond(TYPES.listener, 'v2', [httpListener('0.0.0.0_9080', 9080, '9080')]);
    s2.respond(TYPES.route, 'v2', [routeConfig('9080', C_REVIEWS)]);
    await resynced;
    assert.equal(h.holder.current.endpoints.get(C_REVIEWS)!.localities[0]!.endpoints[0]!.address.address, '198.18.0.9');
    assert.equal(h.client.status().state, 'connected');
    assert.ok(h.client.status().reconnects >= 1);
  });

  it('publishes after the warming timeout with empty stand-ins for what never arrived', async () => {
    h = await start({ initialFetchTimeoutMs: 300 });
    const s = await h.ads.stream(0);
    await s.next(TYPES.cluster);
    s.respond(TYPES.cluster, 'v1', [edsCluster(C_REVIEWS)]);
    await s.next(TYPES.listener);
    s.respond(TYPES.listener, 'v1', [httpListener('0.0.0.0_9080', 9080, '9080')]);
    await h.client.ready();
    const snap = h.holder.current;
    assert.deepEqual(snap.endpoints.get(C_REVIEWS)!.localities, []);
    assert.deepEqual(snap.routes.get('9080')!.virtualHosts, []);
  });
});

describe('proxy xds-client (delta)', { timeout: 30_000 }, () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('subscribes incrementally, applies removals, and reconnects with initial_resource_versions', async () => {
    h = await start({ mode: 'delta' });
    const s = await h.ads.stream(0);
    assert.equal(s.mode, 'delta');
    const cds = await s.next(TYPES.cluster);
    assert.ok(cds.node);
    assert.deepEqual(cds.resource_names_subscribe ?? [], [], 'CDS is a wildcard subscription');

    const C2 = 'outbound|9080|v2|reviews.default.svc.cluster.local';
    const cn = s.respondDelta(TYPES.cluster, 's1', [
      { name: C_REVIEWS, version: 'a1', resource: edsCluster(C_REVIEWS) },
      { name: C2, version: 'b1', resource: edsCluster(C2) },
    ]);
    const ack = await s.next(TYPES.cluster);
    assert.equal(ack.response_nonce, cn);
    assert.ok(!ack.error_detail);
    const eds = await s.next(TYPES.endpoint);
    assert.deepEqual(eds.resource_names_subscribe, [C_REVIEWS, C2].sort());
    await s.next(TYPES.listener);

    const published = nextSnapshot(h.client);
    s.respondDelta(TYPES.endpoint, 's1', [
      { name: C_REVIEWS, version: 'e1', resource: loadAssignment(C_REVIEWS, ['198.18.0.7'], 9080) },
      { name: C2, version: 'e2', resource: loadAssignment(C2, ['198.18.0.8'], 9080) },
    ]);
    s.respondDelta(TYPES.listener, 's1', [{ name: '0.0.0.0_9080', version: 'l1', resource: httpListener('0.0.0.0_9080', 9080, '9080') }]);
    const rds = await s.next(TYPES.route);
    assert.deepEqual(rds.resource_names_subscribe, ['9080']);
    s.respondDelta(TYPES.route, 's1', [{ name: '9080', version: 'r1', resource: routeConfig('9080', C_REVIEWS) }]);
    await published;
    assert.equal(h.holder.current.clusters.size, 2);

    // Removing a cluster unsubscribes its endpoints.
    const removed = nextSnapshot(h.client);
    s.respondDelta(TYPES.cluster, 's2', [], [C2]);
    const unsub = await s.next(TYPES.endpoint, 3000, (r) => !r.response_nonce);
    assert.deepEqual(unsub.resource_names_unsubscribe, [C2]);
    await removed;
    assert.deepEqual([...h.holder.current.clusters.keys()], [C_REVIEWS]);
    assert.deepEqual([...h.holder.current.endpoints.keys()], [C_REVIEWS]);

    // A malformed delta resource is NACKed with error_detail.
    s.respondDelta(TYPES.endpoint, 's3', [{ name: C_REVIEWS, version: 'bad', resource: packAny('envoy.config.endpoint.v3.ClusterLoadAssignment', { cluster_name: C_REVIEWS, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'not-an-ip', port_value: 1 } } } }] }] }) }]);
    const nack = await s.next(TYPES.endpoint, 3000, (r) => r.error_detail != null);
    assert.equal((nack.error_detail as ProtoJson).code, 3);
    assert.match(String((nack.error_detail as ProtoJson).message), /not-an-ip is not an IP address/);

    // Reconnect: the new stream tells the server what the proxy holds.
    const port = h.ads.port;
    await h.ads.stop();
    const ads2 = new FakeAds();
    await ads2.start(port);
    const close = h.close;
    h.close = async () => { await close(); await ads2.stop(); };
    const s2 = await ads2.stream(0, 10_000);
    const cds2 = await s2.next(TYPES.cluster);
    assert.deepEqual(cds2.initial_resource_versions, { [C_REVIEWS]: 'a1' });
    const eds2 = await s2.next(TYPES.endpoint);
    assert.deepEqual(eds2.resource_names_subscribe, [C_REVIEWS]);
    assert.deepEqual(eds2.initial_resource_versions, { [C_REVIEWS]: 'e1' });
  });
});
