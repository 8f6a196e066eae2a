import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { any, bookinfoPush, generate, ingressProxy, productpageProxy } from './xds-sidecar-fixture.js';

type O = ProtoObject;
const REVIEWS = 'reviews.default.svc.cluster.local';
const RATINGS = 'ratings.default.svc.cluster.local';

const push = bookinfoPush();
const cds = generate(push, productpageProxy(), 'cluster');

function tlsContext(c: O): O {
  return any((c.transport_socket as O).typed_config);
}

describe('sidecar CDS', () => {
  it('names clusters outbound|<port>|<subset>|<fqdn>, plus the fixed and inbound clusters', () => {
    assert.deepEqual([...cds.keys()], [
      'outbound|80||api.example.com',
      'outbound|9080||details.default.svc.cluster.local',
      'outbound|443||httpbin.org',
      'outbound|5432||legacy.db.internal',
      'outbound|3306||mysqldb.default.svc.cluster.local',
      'outbound|9080||productpage.default.svc.cluster.local',
      `outbound|9080||${RATINGS}`,
      `outbound|9090||${RATINGS}`,
      `outbound|9080||${REVIEWS}`,
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      'outbound|9080||secret.hidden.svc.cluster.local',
      'BlackHoleCluster', 'PassthroughCluster', 'InboundPassthroughCluster', 'inbound|9080||',
    ]);
  });

  it('traffic policy: Maglev, circuit breakers, connect timeout, keepalive, HTTP options, outlier detection', () => {
    const c = cds.get(`outbound|9080||${REVIEWS}`)!;
    assert.equal(c.type, 'EDS');
    assert.equal((c.eds_cluster_config as O).service_name, `outbound|9080||${REVIEWS}`);
    assert.equal(c.lb_policy, 'MAGLEV');
    assert.deepEqual((c.maglev_lb_config as O).table_size, { value: '1021' });
    assert.deepEqual(c.connect_timeout, { seconds: '3', nanos: 0 });
    const t = ((c.circuit_breakers as O).thresholds as O[])[0]!;
    assert.deepEqual([t.max_connections, t.max_pending_requests, t.max_requests, t.max_retries], [{ value: 100 }, { value: 10 }, { value: 200 }, { value: 4 }]);
    assert.deepEqual(((c.upstream_connection_options as O).tcp_keepalive as O).keepalive_time, { value: 60 });
    const http = any((c.typed_extension_protocol_options as Record<string, unknown>)['envoy.extensions.upstreams.http.v3.HttpProtocolOptions']);
    assert.deepEqual((http.common_http_protocol_options as O).idle_timeout, { seconds: '30', nanos: 0 });
    assert.deepEqual((http.common_http_protocol_options as O).max_requests_per_connection, { value: 5 });
    // h2UpgradePolicy: UPGRADE
    assert.ok((http.explicit_http_config as O).http2_protocol_options);
    const od = c.outlier_detection as O;
    assert.deepEqual([od.consecutive_5xx, od.enforcing_consecutive_5xx, od.interval, od.base_ejection_time, od.max_ejection_percent], [
      { value: 7 }, { value: 100 }, { seconds: '5', nanos: 0 }, { seconds: '30', nanos: 0 }, { value: 50 },
    ]);
    assert.deepEqual((c.common_lb_config as O).healthy_panic_threshold, { value: 20 });
  });

  it('subset policy replaces top-level fields it sets (LB, connection pool) and keeps the rest', () => {
    const v2 = cds.get(`outbound|9080|v2|${REVIEWS}`)!;
    assert.equal(v2.lb_policy, 'ROUND_ROBIN');
    assert.deepEqual(((v2.circuit_breakers as O).thresholds as O[])[0]!.max_requests, { value: 7 });
    assert.deepEqual((v2.outlier_detection as O).consecutive_5xx, { value: 7 });
    assert.equal(cds.get(`outbound|9080|v1|${REVIEWS}`)!.lb_policy, 'MAGLEV');
  });

  it('auto mTLS: transport_socket_matches on tlsMode=istio with SPIFFE SANs and Istio SNI', () => {
    const c = cds.get(`outbound|9080|v1|${REVIEWS}`)!;
    const matches = c.transport_socket_matches as O[];
    assert.deepEqual(matches.map((m) => m.name), ['tlsMode-istio', 'tlsMode-disabled']);
    assert.deepEqual((matches[0]!.match as O).fields, { tlsMode: { stringValue: 'istio', kind: 'stringValue' } });
    const ctx = any((matches[0]!.transport_socket as O).typed_config);
    assert.equal(ctx.sni, `outbound_.9080_.v1_.${REVIEWS}`);
    const common = ctx.common_tls_context as O;
    assert.deepEqual((common.tls_certificate_sds_secret_configs as O[]).map((s) => s.name), ['default']);
    const cvc = common.combined_validation_context as O;
    assert.equal((cvc.validation_context_sds_secret_config as O).name, 'ROOTCA');
    assert.deepEqual(((cvc.default_validation_context as O).match_typed_subject_alt_names as O[]).map((s) => [s.san_type, (s.matcher as O).exact]), [['URI', 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews']]);
    assert.deepEqual(common.alpn_protocols, ['istio-peer-exchange', 'istio']);
    assert.equal((matches[1]!.transport_socket as O).name, 'envoy.transport_sockets.raw_buffer');
  });

  it('explicit TLS: ISTIO_MUTUAL, DISABLE by port level, SIMPLE with CA and SAN', () => {
    const ratings = cds.get(`outbound|9080||${RATINGS}`)!;
    assert.equal(ratings.lb_policy, 'RING_HASH');
    assert.equal(tlsContext(ratings).sni, `outbound_.9080_._.${RATINGS}`);
    const grpc = cds.get(`outbound|9090||${RATINGS}`)!;
    assert.equal(grpc.lb_policy, 'RANDOM');
    assert.equal(grpc.transport_socket, null);
    assert.deepEqual(grpc.transport_socket_matches, []);
    const simple = tlsContext(cds.get('outbound|443||httpbin.org')!);
    assert.equal(simple.sni, 'httpbin.org');
    const vc = (simple.common_tls_context as O).validation_context as O;
    assert.equal((vc.trusted_ca as O).filename, '/etc/ssl/certs/ca.pem');
  });

  it('resolution → cluster type: DNS → STRICT_DNS, DNS_ROUND_ROBIN → LOGICAL_DNS, NONE → ORIGINAL_DST', () => {
    const dns = cds.get('outbound|443||httpbin.org')!;
    assert.equal(dns.type, 'STRICT_DNS');
    const ep = ((((dns.load_assignment as O).endpoints as O[])[0]!.lb_endpoints as O[])[0]!.endpoint as O);
    assert.deepEqual(((ep.address as O).socket_address as O).address, 'httpbin.org');
    assert.equal(cds.get('outbound|80||api.example.com')!.type, 'LOGICAL_DNS');
    const none = cds.get('outbound|5432||legacy.db.internal')!;
    assert.deepEqual([none.type, none.lb_policy], ['ORIGINAL_DST', 'CLUSTER_PROVIDED']);
  });

  it('BlackHole, Passthrough, InboundPassthrough and inbound|9080|| (STATIC to loopback)', () => {
    assert.deepEqual([cds.get('BlackHoleCluster')!.type, cds.get('PassthroughCluster')!.type, cds.get('InboundPassthroughCluster')!.type], ['STATIC', 'ORIGINAL_DST', 'ORIGINAL_DST']);
    assert.equal((((cds.get('InboundPassthroughCluster')!.upstream_bind_config as O).source_address as O).address), '127.0.0.6');
    const inbound = cds.get('inbound|9080||')!;
    assert.equal(inbound.type, 'STATIC');
    const lb = ((((inbound.load_assignment as O).endpoints as O[])[0]!.lb_endpoints as O[])[0]!.endpoint as O);
    assert.deepEqual((lb.address as O).socket_address && [((lb.address as O).socket_address as O).address, ((lb.address as O).socket_address as O).port_value], ['127.0.0.1', 9080]);
  });

  it('gateways get outbound clusters and BlackHoleCluster only', () => {
    const gw = [...generate(push, ingressProxy(), 'cluster').keys()];
    assert.ok(gw.includes(`outbound|9080|v1|${REVIEWS}`) && gw.includes('BlackHoleCluster'));
    assert.ok(!gw.includes('PassthroughCluster') && !gw.some((n) => n.startsWith('inbound|')));
  });
});

describe('sidecar EDS', () => {
  const eds = generate(push, productpageProxy(), 'endpoint');

  it('one assignment per EDS cluster; DNS/NONE clusters have none', () => {
    assert.ok(eds.has(`outbound|9080|v3|${REVIEWS}`));
    assert.ok(!eds.has('outbound|443||httpbin.org') && !eds.has('outbound|5432||legacy.db.internal'));
  });

  it('localities with weights, failover priorities from the proxy locality (outlier detection on), tlsMode metadata', () => {
    const cla = eds.get(`outbound|9080||${REVIEWS}`)!;
    const locs = cla.endpoints as O[];
    assert.deepEqual(locs.map((l) => [(l.locality as O).region, (l.locality as O).zone, (l.load_balancing_weight as O).value, l.priority]), [
      ['r1', 'z1', 3, 0], ['r1', 'z2', 1, 1], ['r2', 'z9', 2, 2],
    ]);
    const eps = locs.map((l) => (l.lb_endpoints as O[])[0]!);
    assert.deepEqual(eps.map((e) => (e.load_balancing_weight as O).value), [3, 1, 2]);
    assert.deepEqual(eps.map((e) => e.health_status), ['HEALTHY', 'HEALTHY', 'HEALTHY']);
    const tlsModes = eps.map((e) => ((((e.metadata as O).filter_metadata as O)['envoy.transport_socket_match'] as O).fields as Record<string, O>).tlsMode!.stringValue);
    // reviews-v3 carries security.istio.io/tlsMode: disabled.
    assert.deepEqual(tlsModes, ['istio', 'istio', 'disabled']);
  });

  it('subset clusters keep only the subset labels; no outlier detection → one priority', () => {
    const v2 = eds.get(`outbound|9080|v2|${REVIEWS}`)!.endpoints as O[];
    assert.deepEqual(v2.flatMap((l) => (l.lb_endpoints as O[]).map((e) => ((((e.endpoint as O).address as O).socket_address as O).address))), ['198.18.0.22']);
    const ratings = eds.get(`outbound|9090||${RATINGS}`)!.endpoints as O[];
    assert.deepEqual(ratings.map((l) => l.priority), [0]);
    // targetPort 9091 on the Service.
    assert.equal(((((ratings[0]!.lb_endpoints as O[])[0]!.endpoint as O).address as O).socket_address as O).port_value, 9091);
  });
});
