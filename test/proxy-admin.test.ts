import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startAdmin, type AdminServer } from '../src/proxy/admin/admin-server.js';
import type { AdminSources } from '../src/proxy/admin/admin-sources.js';
import { startStatsServers } from '../src/proxy/admin/stats-servers.js';
import { upstreamFactsFromProxy } from '../src/proxy/admin/upstream-facts-from-proxy.js';
import type { ClusterConfig, ClusterLoadAssignment, ListenerConfig, ProxySnapshot, SecretConfig } from '../src/proxy/config/model.js';
import { EMPTY_SNAPSHOT, SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import type { RequestRecord } from '../src/proxy/http/request-record.js';
import type { ResourceDump } from '../src/proxy/xds-client/xds-client-status.js';
import { ISTIO_HTTP_LABELS } from '../src/telemetry/istio-labels.js';
import { ProxyStats } from '../src/telemetry/proxy-stats.js';
import { localWorkloadLabels } from '../src/telemetry/workload-labels.js';
import { call, parsePrometheus } from './proxy-admin-support.js';
import { cluster, hcmConfig, request, route, routeConfig, startProxy, startUpstream, vhost } from './proxy-http-support.js';

const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nTOP-SECRET\n-----END PRIVATE KEY-----\n';
const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n';
const EDS_CLUSTER = 'outbound|9080||reviews.bookinfo.svc.cluster.local';
const STATIC_CLUSTER = 'inbound|9080||';

const local = localWorkloadLabels({ namespace: 'bookinfo', workloadName: 'productpage-v1', labels: { app: 'productpage', version: 'v1' }, serviceAccount: 'bookinfo-productpage' });

function edsCluster(): ClusterConfig {
  return { ...cluster(EDS_CLUSTER, []), type: 'EDS', loadAssignment: undefined, serviceName: 'reviews.bookinfo.svc.cluster.local' };
}

function handMadeSnapshot(): ProxySnapshot {
  const listener: ListenerConfig = {
    name: '0.0.0.0_9080',
    address: { address: '0.0.0.0', port: 9080 },
    useOriginalDst: false,
    bindToPort: false,
    tlsInspector: false,
    httpInspector: false,
    filterChains: [{ name: 'http', match: { destinationPort: 9080 }, filters: [{ ...hcmConfig(routeConfig([vhost('reviews', ['*'], [route({}, { cluster: EDS_CLUSTER })])])), rdsName: undefined }] }],
  };
  const secret: SecretConfig = { name: 'static-cert', certificateChain: FAKE_CERT, privateKey: FAKE_KEY };
  return {
    ...EMPTY_SNAPSHOT,
    listeners: new Map([[listener.name, listener]]),
    clusters: new Map([[EDS_CLUSTER, edsCluster()], [STATIC_CLUSTER, cluster(STATIC_CLUSTER, [9080])]]),
    endpoints: new Map<string, ClusterLoadAssignment>([[EDS_CLUSTER, {
      clusterName: EDS_CLUSTER,
      overprovisioningFactor: 140,
      localities: [{ locality: { region: 'eu', zone: 'eu-1' }, priority: 0, weight: 1, endpoints: [
        { address: { address: '198.18.0.7', port: 9080 }, weight: 1, health: 'HEALTHY' as const, metadata: { 'istio.workload': 'reviews-v2;bookinfo;reviews;v2;Kubernetes' } },
        { address: { address: '198.18.0.8', port: 9080 }, weight: 1, health: 'UNHEALTHY' as const, metadata: {} },
      ] }],
    }]]),
    secrets: new Map([[secret.name, secret]]),
    versions: {},
  };
}

/** What an xds-client would have kept: the raw cluster and an SDS secret holding a key. */
const rawDump: ResourceDump = {
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': {
    version: '2024-01-01T00:00:00Z/7',
    resources: [{ name: EDS_CLUSTER, version: '2024-01-01T00:00:00Z/7', lastUpdated: '2024-01-01T00:00:01Z', resource: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: EDS_CLUSTER, type: 'EDS' } }],
  },
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': {
    version: 'v1',
    resources: [{ name: 'gateway-cred', version: 'v1', lastUpdated: '2024-01-01T00:00:02Z', resource: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', name: 'gateway-cred', tls_certificate: { certificate_chain: { inline_string: FAKE_CERT }, private_key: { inline_string: FAKE_KEY } } } }],
  },
};

function record(over: Partial<RequestRecord>): RequestRecord {
  return {
    startTime: Date.now(), startMonotonic: 0, durationMs: 2, bytesReceived: 0, bytesSent: 1024, status: 200, flags: new Set(),
    protocol: 'HTTP/1.1', method: 'GET', path: '/', authority: 'reviews:9080', attemptCount: 1,
    downstreamRemoteAddress: '127.0.0.1', downstreamRemotePort: 1, downstreamLocalAddress: '127.0.0.1', downstreamLocalPort: 2,
    connectionId: 1, listenerName: '0.0.0.0_9080', filterChainName: 'http', tls: false,
    ...over,
  } as RequestRecord;
}

describe('admin server on a hand-made snapshot', () => {
  const holder = new SnapshotHolder();
  holder.replace(handMadeSnapshot());
  const logger = pino({ level: 'info' }, pino.destination('/dev/null'));
  let ready = false;
  let drained = 0;
  let quits = 0;
  const stats = new ProxyStats({ local, upstream: upstreamFactsFromProxy(holder), state: () => (ready ? 'LIVE' : 'PRE_INITIALIZING') });
  const sources: AdminSources = {
    holder,
    metrics: stats,
    ready: () => ready,
    drainListeners: async () => { drained++; },
    quit: () => { quits++; },
    xds: { resources: () => rawDump, status: () => ({ server: '127.0.0.1:15010', mode: 'sotw', nodeId: 'sidecar~198.18.0.5~productpage-v1.bookinfo~bookinfo.svc.cluster.local', state: 'connected', reconnects: 0, initialized: true, types: {}, warming: { eds: [], rds: [], secrets: [] } }) },
    hostCounters: (c) => stats.envoy.hostCounters(c),
    localSecrets: { names: ['default', 'ROOTCA'], get: (n) => (n === 'default' ? { name: 'default', certificateChain: FAKE_CERT, privateKey: FAKE_KEY } : { name: 'ROOTCA', trustedCa: FAKE_CERT }) },
    bootstrap: { node: { id: 'sidecar~198.18.0.5~productpage-v1.bookinfo~bookinfo.svc.cluster.local', cluster: 'productpage.bookinfo', metadata: { NAMESPACE: 'bookinfo' } }, xdsServer: '127.0.0.1:15010' },
    logger,
  };
  let admin: AdminServer;
  let port: number;

  before(async () => {
    admin = await startAdmin({ sources, port: 0, logger });
    port = admin.port!;
    for (let i = 0; i < 3; i++) stats.onRequestComplete(record({ cluster: EDS_CLUSTER, upstreamHost: '198.18.0.7:9080' }));
    stats.onRequestComplete(record({ cluster: EDS_CLUSTER, upstreamHost: '198.18.0.7:9080', status: 503, flags: new Set(['UF']) }));
    stats.onRequestComplete(record({ cluster: STATIC_CLUSTER, upstreamHost: '127.0.0.1:9080', listenerName: 'virtualInbound', tls: true, peerPrincipal: 'spiffe://cluster.local/ns/istio-system/sa/ingress' }));
  });
  after(() => admin.close());

  it('dumps config in Envoy\'s layout, dynamic from xDS and static from the snapshot', async () => {
    const res = await call(port, '/config_dump');
    assert.equal(res.status, 200);
    assert.match(res.type, /application\/json/);
    const dump = JSON.parse(res.body) as { configs: Record<string, unknown>[] };
    assert.deepEqual(dump.configs.map((c) => String(c['@type']).split('.').pop()), ['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump', 'SecretsConfigDump']);
    const clusters = dump.configs[1] as { version_info: string; static_clusters: { cluster: { name: string; '@type': string } }[]; dynamic_active_clusters: { version_info: string; cluster: { name: string } }[] };
    assert.equal(clusters.version_info, '2024-01-01T00:00:00Z/7');
    assert.deepEqual(clusters.dynamic_active_clusters.map((c) => [c.version_info, c.cluster.name]), [['2024-01-01T00:00:00Z/7', EDS_CLUSTER]]);
    assert.deepEqual(clusters.static_clusters.map((c) => c.cluster.name), [STATIC_CLUSTER]);
    assert.equal(clusters.static_clusters[0].cluster['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    const listeners = dump.configs[2] as { static_listeners: { listener: { name: string; address: unknown } }[] };
    assert.equal(listeners.static_listeners[0].listener.name, '0.0.0.0_9080');
    const secrets = dump.configs[4] as { static_secrets: { name: string }[]; dynamic_active_secrets: { name: string }[] };
    assert.deepEqual(secrets.dynamic_active_secrets.map((s) => s.name), ['gateway-cred', 'default', 'ROOTCA']);
    assert.deepEqual(secrets.static_secrets.map((s) => s.name), ['static-cert']);
    assert.ok(!res.body.includes('TOP-SECRET'), 'no private key in the dump');
    assert.ok(!res.body.includes(Buffer.from(FAKE_KEY).toString('base64')), 'no encoded private key either');
    assert.ok(res.body.includes(Buffer.from('[redacted]').toString('base64')));
    assert.equal((rawDump['type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret'].resources[0].resource as { tls_certificate: { private_key: { inline_string: string } } }).tls_certificate.private_key.inline_string, FAKE_KEY, 'the xds-client copy is untouched');
  });

  it('adds endpoints with include_eds and selects one field with ?resource=', async () => {
    const eds = JSON.parse((await call(port, '/config_dump?include_eds')).body) as { configs: Record<string, unknown>[] };
    const endpoints = eds.configs.find((c) => String(c['@type']).endsWith('EndpointsConfigDump')) as { static_endpoint_configs: { endpoint_config: { cluster_name: string } }[] };
    assert.deepEqual(endpoints.static_endpoint_configs.map((e) => e.endpoint_config.cluster_name).sort(), [STATIC_CLUSTER, EDS_CLUSTER].sort());
    const sel = JSON.parse((await call(port, '/config_dump?resource=dynamic_active_clusters')).body) as { configs: Record<string, unknown>[] };
    assert.equal(sel.configs.length, 1);
    assert.equal(sel.configs[0]['@type'], 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster');
    const named = JSON.parse((await call(port, '/config_dump?resource=static_clusters&name_regex=^inbound')).body) as { configs: { cluster: { name: string } }[] };
    assert.deepEqual(named.configs.map((c) => c.cluster.name), [STATIC_CLUSTER]);
    assert.equal((await call(port, '/config_dump?resource=nope')).status, 404);
    assert.equal((await call(port, '/config_dump?name_regex=(')).status, 400);
  });

  it('lists clusters and hosts in Envoy\'s text format with request counters', async () => {
    const res = await call(port, '/clusters');
    assert.equal(res.status, 200);
    const lines = new Set(res.body.trim().split('\n'));
    assert.ok(lines.has(`${EDS_CLUSTER}::added_via_api::true`));
    assert.ok(lines.has(`${STATIC_CLUSTER}::added_via_api::false`));
    assert.ok(lines.has(`${EDS_CLUSTER}::default_priority::max_connections::1024`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.7:9080::health_flags::healthy`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.8:9080::health_flags::/failed_eds_health`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.7:9080::rq_total::4`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.7:9080::rq_success::3`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.7:9080::rq_error::1`));
    assert.ok(lines.has(`${EDS_CLUSTER}::198.18.0.7:9080::zone::eu-1`));
    for (const l of lines) assert.match(l, /^[^:]+(?:::[^:]*)+$|^.+::.+$/);
    const json = JSON.parse((await call(port, '/clusters?format=json')).body) as { cluster_statuses: { name: string; host_statuses: { health_status: { eds_health_status: string } }[] }[] };
    assert.deepEqual(json.cluster_statuses.find((c) => c.name === EDS_CLUSTER)!.host_statuses.map((h) => h.health_status.eds_health_status), ['HEALTHY', 'UNHEALTHY']);
  });

  it('serves /stats as Envoy text and /stats/prometheus as parseable text with Istio\'s labels', async () => {
    const text = await call(port, '/stats');
    assert.match(text.body, new RegExp(`^cluster\\.${EDS_CLUSTER.replace(/[|.]/g, '\\$&')}\\.upstream_rq_total: 4$`, 'm'));
    assert.match(text.body, /^server\.state: 2$/m);
    assert.match(text.body, /^reporter\.=source;\.;.*istio_requests_total: 3$/m);
    const filtered = await call(port, '/stats?filter=upstream_rq_5xx');
    assert.ok(filtered.body.trim().split('\n').every((l) => l.includes('upstream_rq_5xx')));
    const json = JSON.parse((await call(port, '/stats?format=json')).body) as { stats: { name: string; value: unknown }[] };
    assert.ok(json.stats.some((s) => s.name === 'server.live' && s.value === 0));

    const prom = await call(port, '/stats/prometheus');
    assert.match(prom.type, /text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(prom.body);
    const requests = families.get('istio_requests_total')!;
    assert.equal(requests.type, 'counter');
    for (const s of requests.samples) assert.deepEqual(Object.keys(s.labels).sort(), [...ISTIO_HTTP_LABELS].sort());
    const outbound = requests.samples.filter((s) => s.labels.reporter === 'source');
    assert.deepEqual(outbound.map((s) => [s.labels.response_code, s.labels.response_flags, s.value]).sort(), [['200', '-', 3], ['503', 'UF', 1]]);
    assert.equal(outbound[0].labels.destination_workload, 'reviews-v2');
    assert.equal(outbound[0].labels.destination_service, 'reviews.bookinfo.svc.cluster.local');
    assert.equal(outbound[0].labels.source_workload, 'productpage-v1');
    const inbound = requests.samples.find((s) => s.labels.reporter === 'destination')!;
    assert.equal(inbound.labels.connection_security_policy, 'mutual_tls');
    assert.equal(inbound.labels.source_principal, 'spiffe://cluster.local/ns/istio-system/sa/ingress');
    const duration = families.get('istio_request_duration_milliseconds')!;
    assert.equal(duration.type, 'histogram');
    const inf = duration.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.le === '+Inf');
    assert.equal(inf.reduce((n, s) => n + s.value, 0), 5);
    for (const name of ['istio_request_bytes', 'istio_response_bytes', 'envoy_cluster_upstream_rq_total', 'envoy_server_live', 'process_resident_memory_bytes']) assert.ok(families.has(name), name);
    assert.equal(families.get('envoy_cluster_upstream_rq_xx')!.samples.find((s) => s.labels.cluster_name === EDS_CLUSTER && s.labels.response_code_class === '5')!.value, 1);
  });

  it('answers /ready with the server state', async () => {
    ready = false;
    assert.deepEqual(await call(port, '/ready').then((r) => [r.status, r.body]), [503, 'PRE_INITIALIZING\n']);
    ready = true;
    assert.deepEqual(await call(port, '/ready').then((r) => [r.status, r.body]), [200, 'LIVE\n']);
    const info = JSON.parse((await call(port, '/server_info')).body) as { state: string; node: { id: string }; xds: { state: string } };
    assert.equal(info.state, 'LIVE');
    assert.match(info.node.id, /^sidecar~/);
    assert.equal(info.xds.state, 'connected');
  });

  it('changes the log level with POST /logging', async () => {
    assert.equal((await call(port, '/logging?level=debug')).status, 405);
    const res = await call(port, '/logging?level=debug', 'POST');
    assert.equal(res.status, 200);
    assert.equal(logger.level, 'debug');
    assert.match(res.body, /plexus: debug/);
    await call(port, '/logging?level=warning', 'POST');
    assert.equal(logger.level, 'warn');
    assert.equal((await call(port, '/logging?level=loud', 'POST')).status, 400);
    await call(port, '/logging?level=info', 'POST');
  });

  it('drains listeners and quits only on POST', async () => {
    assert.equal((await call(port, '/drain_listeners')).status, 405);
    assert.equal((await call(port, '/drain_listeners', 'POST')).body, 'OK\n');
    assert.equal(drained, 1);
    assert.equal((await call(port, '/quitquitquit')).status, 405);
    assert.equal((await call(port, '/quitquitquit', 'POST')).body, 'OK\n');
    const deadline = Date.now() + 2000;
    while (quits === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(quits, 1);
  });

  it('lists listeners and says 404 for unknown paths', async () => {
    assert.equal((await call(port, '/listeners')).body, '0.0.0.0_9080::0.0.0.0:9080\n');
    assert.equal((await call(port, '/nope')).status, 404);
    assert.match((await call(port, '/help')).body, /\/config_dump/);
  });
});

describe('stats ports (15090, 15020 merged with the app, 15021)', () => {
  it('serves the proxy stats, merges the app\'s metrics and answers readiness', async () => {
    const app = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('# HELP app_orders_total Orders.\n# TYPE app_orders_total counter\napp_orders_total{shop="a"} 5\n');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as AddressInfo).port;
    const stats = new ProxyStats({ local, processMetrics: false });
    stats.onRequestComplete(record({ cluster: EDS_CLUSTER, upstreamHost: '198.18.0.7:9080' }));
    let ready = false;
    const servers = await startStatsServers({
      metrics: stats,
      ready: () => ready,
      host: '127.0.0.1',
      prometheusPort: 0,
      agentPort: 0,
      readinessPort: 0,
      appMetrics: { url: `http://127.0.0.1:${appPort}/metrics`, timeoutMs: 1000 },
      logger: pino({ level: 'silent' }),
    });
    try {
      const p = await call(servers.prometheusPort!, '/stats/prometheus');
      const proxyOnly = parsePrometheus(p.body);
      assert.ok(proxyOnly.has('istio_requests_total'));
      assert.ok(!proxyOnly.has('app_orders_total'));
      assert.equal((await call(servers.prometheusPort!, '/other')).status, 404);
      const merged = parsePrometheus((await call(servers.agentPort!, '/stats/prometheus')).body);
      assert.ok(merged.has('istio_requests_total'));
      assert.equal(merged.get('app_orders_total')!.samples[0].value, 5);
      assert.equal((await call(servers.agentPort!, '/healthz/ready')).status, 503);
      assert.equal((await call(servers.readinessPort!, '/healthz/ready')).status, 503);
      ready = true;
      assert.equal((await call(servers.agentPort!, '/healthz/ready')).status, 200);
      assert.equal((await call(servers.readinessPort!, '/healthz/ready')).status, 200);
      // The app going away leaves the proxy's metrics in place.
      await new Promise<void>((r) => app.close(() => r()));
      const alone = parsePrometheus((await call(servers.agentPort!, '/stats/prometheus')).body);
      assert.ok(alone.has('istio_requests_total') && !alone.has('app_orders_total'));
    } finally {
      await servers.close();
      app.closeAllConnections();
      app.close();
    }
  });
});

describe('admin on a live data plane', () => {
  it('counts real requests through the HTTP connection manager per host in /clusters and the Istio metrics', async () => {
    const upstream = await startUpstream((_req, res) => res.end('x'.repeat(1024)));
    const name = 'outbound|80||web.shop.svc.cluster.local';
    const proxy = await startProxy(hcmConfig(routeConfig([vhost('web', ['*'], [route({}, { cluster: name })])])), [cluster(name, [upstream.port])]);
    const stats = new ProxyStats({ local, processMetrics: false, upstream: upstreamFactsFromProxy(proxy.holder, proxy.upstream) });
    const admin = await startAdmin({
      sources: { holder: proxy.holder, metrics: stats, ready: () => true, drainListeners: async () => undefined, quit: () => undefined, upstream: proxy.upstream, hostCounters: (c) => stats.envoy.hostCounters(c) },
      port: 0,
      logger: pino({ level: 'silent' }),
    });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await request(proxy.port)).status, 200);
      await proxy.record(4);
      for (const r of proxy.records) stats.onRequestComplete(r);
      const lines = new Set((await call(admin.port!, '/clusters')).body.trim().split('\n'));
      assert.ok(lines.has(`${name}::127.0.0.1:${upstream.port}::rq_total::5`), [...lines].join('\n'));
      assert.ok(lines.has(`${name}::127.0.0.1:${upstream.port}::health_flags::healthy`));
      const fams = parsePrometheus((await call(admin.port!, '/stats/prometheus')).body);
      const s = fams.get('istio_requests_total')!.samples;
      assert.equal(s.length, 1);
      assert.equal(s[0].value, 5);
      assert.equal(s[0].labels.destination_service_name, 'web');
      assert.equal(s[0].labels.destination_service_namespace, 'shop');
      const bytes = fams.get('istio_response_bytes')!.samples.find((x) => x.name === 'istio_response_bytes_sum')!;
      assert.equal(bytes.value, 5 * 1024);
    } finally {
      await admin.close();
      await proxy.close();
      await upstream.close();
    }
  });
});
