import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { parseNode } from '../src/xds/proxy.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { any, bookinfoPush, generate, ingressProxy } from './xds-sidecar-fixture.js';

type O = ProtoObject;
const push = bookinfoPush();
const gw = ingressProxy();
const lds = generate(push, gw, 'listener');
const rds = generate(push, gw, 'route');

function chains(name: string): O[] {
  return lds.get(name)!.filter_chains as O[];
}

function firstFilter(chain: O): O {
  return any((chain.filters as O[])[0]!.typed_config);
}

describe('gateway (router) LDS', () => {
  it('one 0.0.0.0_<port> listener per server port of the selected Gateway', () => {
    assert.deepEqual([...lds.keys()], ['0.0.0.0_443', '0.0.0.0_8080', '0.0.0.0_15443', '0.0.0.0_31400']);
  });

  it('HTTP servers share one HCM with RDS http.<port>, trusting the client address', () => {
    const hcm = firstFilter(chains('0.0.0.0_8080')[0]!);
    assert.equal((hcm.rds as O).route_config_name, 'http.8080');
    assert.deepEqual(hcm.use_remote_address, { value: true });
  });

  it('HTTPS SIMPLE (credentialName → SDS) and MUTUAL (files): one chain per server by SNI, RDS named as Istio', () => {
    const [simple, mutual] = chains('0.0.0.0_443') as [O, O];
    assert.deepEqual((simple.filter_chain_match as O).server_names, ['bookinfo.example.com']);
    assert.equal((firstFilter(simple).rds as O).route_config_name, 'https.443.https.bookinfo-gateway.default');
    const sctx = any((simple.transport_socket as O).typed_config);
    const sc = sctx.common_tls_context as O;
    assert.deepEqual((sc.tls_certificate_sds_secret_configs as O[]).map((s) => [s.name, ((s.sds_config as O).config_source_specifier)]), [['kubernetes://bookinfo-cert', 'ads']]);
    assert.equal((sc.tls_params as O).tls_minimum_protocol_version, 'TLSv1_2');
    assert.deepEqual(sc.alpn_protocols, ['h2', 'http/1.1']);
    assert.equal(sctx.require_client_certificate, null);
    assert.equal((firstFilter(mutual).rds as O).route_config_name, 'https.443.https-mtls.bookinfo-gateway.default');
    const mctx = any((mutual.transport_socket as O).typed_config);
    const mc = mctx.common_tls_context as O;
    assert.deepEqual(((mc.tls_certificates as O[])[0]!.certificate_chain as O).filename, '/etc/certs/server.pem');
    assert.equal(((mc.validation_context as O).trusted_ca as O).filename, '/etc/certs/ca.pem');
    assert.deepEqual(mctx.require_client_certificate, { value: true });
    assert.deepEqual((lds.get('0.0.0.0_443')!.listener_filters as O[]).map((f) => f.name), ['envoy.filters.listener.tls_inspector']);
  });

  it('TLS PASSTHROUGH: SNI chains from VirtualService tls routes inside the server hosts', () => {
    const cs = chains('0.0.0.0_15443');
    // b.other.com is outside the server's *.passthrough.example.com.
    assert.deepEqual(cs.map((c) => (c.filter_chain_match as O).server_names), [['a.passthrough.example.com']]);
    assert.equal(firstFilter(cs[0]!).cluster, 'outbound|9080||details.default.svc.cluster.local');
  });

  it('TCP: tcp_proxy from the bound VirtualService tcp route', () => {
    assert.equal(firstFilter(chains('0.0.0.0_31400')[0]!).cluster, 'outbound|3306||mysqldb.default.svc.cluster.local');
  });

  it('a proxy no Gateway selects gets no listeners', () => {
    const other = parseNode({ id: 'router~198.18.0.101~x.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'none' } }) });
    assert.equal(generate(push, other, 'listener').size, 0);
  });
});

describe('gateway (router) RDS', () => {
  it('route names: http.<port> and https.<port>.<portName>.<gateway>.<namespace>', () => {
    assert.deepEqual([...rds.keys()].sort(), ['http.8080', 'https.443.https-mtls.bookinfo-gateway.default', 'https.443.https.bookinfo-gateway.default']);
  });

  it('virtual hosts: VirtualService hosts ∩ server hosts, <host>:<port> named, host and host:* domains; httpsRedirect', () => {
    const vhs = rds.get('http.8080')!.virtual_hosts as O[];
    assert.deepEqual(vhs.map((v) => [v.name, v.domains, v.require_tls]), [
      ['bookinfo.example.com:8080', ['bookinfo.example.com', 'bookinfo.example.com:*'], 'ALL'],
      ['*.shop.example.com:8080', ['*.shop.example.com', '*.shop.example.com:*'], 'ALL'],
      ['other.example.com:8080', ['other.example.com', 'other.example.com:*'], 'NONE'],
    ]);
  });

  it('routes in order; a match bound to mesh only is left out of the gateway', () => {
    const routes = (rds.get('https.443.https.bookinfo-gateway.default')!.virtual_hosts as O[])[0]!.routes as O[];
    assert.deepEqual(routes.map((r) => [(r.match as O).path_specifier, (r.match as O).path || (r.match as O).prefix, (r.route as O).cluster]), [
      ['path', '/productpage', 'outbound|9080||productpage.default.svc.cluster.local'],
      ['prefix', '/static', 'outbound|9080||productpage.default.svc.cluster.local'],
      ['prefix', '/', 'outbound|9080|v1|reviews.default.svc.cluster.local'],
    ]);
  });

  it('a server without bound VirtualServices gets Istio\'s blackhole virtual host', () => {
    const egress = parseNode({ id: 'router~198.18.0.102~egress.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'egressgateway' } }) });
    const rc = generate(push, egress, 'route').get('http.9999')!;
    const vh = (rc.virtual_hosts as O[])[0]!;
    assert.equal(vh.name, 'blackhole:9999');
    assert.equal(((vh.routes as O[])[0]!.direct_response as O).status, 404);
  });
});
