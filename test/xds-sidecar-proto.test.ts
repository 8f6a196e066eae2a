import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayListenerObjects } from '../src/xds/generators/gateway-listeners.js';
import { gatewayRouteTable, gatewayVirtualHosts } from '../src/xds/generators/gateway-routes.js';
import { clusterEndpoints } from '../src/xds/generators/grpc-endpoints.js';
import { virtualInboundListener } from '../src/xds/generators/listener-inbound.js';
import { blackHoleCluster, inboundClusters, inboundPassthroughCluster, outboundClusters, passthroughCluster } from '../src/xds/generators/sidecar-clusters.js';
import { edsClusterNames, loadAssignment } from '../src/xds/generators/sidecar-endpoints.js';
import { outboundListeners, virtualOutboundListener } from '../src/xds/generators/sidecar-listeners.js';
import { outboundHttpPorts, outboundRouteConfig } from '../src/xds/generators/sidecar-routes.js';
import { sidecarScope } from '../src/xds/generators/sidecar-scope.js';
import type { ProtoObject } from '../src/xds/protos.js';
import { bookinfoPush, ingressProxy, productpageProxy } from './xds-sidecar-fixture.js';
import { protoRoundTrip } from './xds-sidecar-proto-check.js';

const LISTENER = 'envoy.config.listener.v3.Listener';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE = 'envoy.config.route.v3.RouteConfiguration';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

const push = bookinfoPush();
const sidecar = sidecarScope(push, productpageProxy());
const gateway = sidecarScope(push, ingressProxy());

function roundTripAll(fullName: string, objects: readonly ProtoObject[]): Set<string> {
  assert.ok(objects.length > 0, `no ${fullName} to check`);
  const nested = new Set<string>();
  for (const o of objects) for (const t of protoRoundTrip(fullName, o).nested) nested.add(t);
  return nested;
}

describe('every generated resource encodes with the real Envoy protos, no field lost', () => {
  it('sidecar listeners (and the HCM, tcp_proxy, CORS, fault, router, listener filters inside)', () => {
    const nested = roundTripAll(LISTENER, [...outboundListeners(sidecar), virtualOutboundListener(sidecar), virtualInboundListener(sidecar)]);
    for (const t of [
      'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      'envoy.extensions.filters.http.cors.v3.Cors',
      'envoy.extensions.filters.http.router.v3.Router',
      'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
      'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
    ]) assert.ok(nested.has(t), `expected a nested ${t}`);
  });

  it('sidecar and gateway clusters (upstream TLS, HTTP protocol options, raw buffer)', () => {
    const nested = roundTripAll(CLUSTER, [
      ...outboundClusters(sidecar), blackHoleCluster(sidecar), passthroughCluster(sidecar), inboundPassthroughCluster(sidecar), ...inboundClusters(sidecar), ...outboundClusters(gateway),
    ]);
    for (const t of ['envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer']) {
      assert.ok(nested.has(t), `expected a nested ${t}`);
    }
  });

  it('sidecar route configurations (per-route fault and CORS policies)', () => {
    const configs = outboundHttpPorts(sidecar).map((p) => outboundRouteConfig(sidecar, String(p))!);
    const nested = roundTripAll(ROUTE, configs);
    assert.ok(nested.has('envoy.extensions.filters.http.fault.v3.HTTPFault') && nested.has('envoy.extensions.filters.http.cors.v3.CorsPolicy'));
  });

  it('endpoint assignments', () => {
    const objects = edsClusterNames(sidecar).map((name) => loadAssignment(name, clusterEndpoints(push, sidecar.proxy, name) ?? [], { failoverFrom: sidecar.proxy.locality }));
    roundTripAll(CLA, objects);
  });

  it('gateway listeners (downstream TLS) and route configurations', () => {
    const nested = roundTripAll(LISTENER, gatewayListenerObjects(gateway));
    assert.ok(nested.has('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'));
    const routes = [...gatewayRouteTable(gateway)].map(([name, e]) => ({ name, virtual_hosts: gatewayVirtualHosts(gateway, e.servers, e.port), validate_clusters: { value: false } }));
    roundTripAll(ROUTE, routes);
  });
});
