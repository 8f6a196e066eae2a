import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { parseNode } from '../src/xds/proxy.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { bookinfoPush, generate, productpageProxy } from './xds-sidecar-fixture.js';

type O = ProtoObject;

function hostsOf(rc: O | undefined): string[] {
  return ((rc?.virtual_hosts as O[] | undefined) ?? []).map((v) => v.name as string);
}

describe('sidecar scoping', () => {
  it('Sidecar egress hosts restrict what the proxy sees (./* and a named host)', () => {
    const push = bookinfoPush(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress:
  - hosts: ["./reviews.default.svc.cluster.local", "./ratings.default.svc.cluster.local", "hidden/*"]
`);
    const rds = generate(push, productpageProxy(), 'route', ['9080']);
    assert.deepEqual(hostsOf(rds.get('9080')), ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'secret.hidden.svc.cluster.local:9080', 'allow_any']);
    const cds = [...generate(push, productpageProxy(), 'cluster').keys()];
    assert.ok(!cds.some((n) => n.includes('details')));
  });

  it('a workloadSelector Sidecar wins over the namespace default; its outboundTrafficPolicy applies', () => {
    const push = bookinfoPush(`
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress: [{hosts: ["*/*"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: productpage, namespace: default}
spec:
  workloadSelector: {labels: {app: productpage}}
  egress: [{hosts: ["~/*"]}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
  ingress:
  - port: {number: 9999, protocol: HTTP, name: http-admin}
    defaultEndpoint: 127.0.0.1:8080
`);
    const proxy = productpageProxy();
    assert.deepEqual([...generate(push, proxy, 'route').keys()], []);
    const lds = generate(push, proxy, 'listener');
    assert.deepEqual([...lds.keys()], ['virtualOutbound', 'virtualInbound']);
    const inbound = generate(push, proxy, 'cluster', ['inbound|9999||']).get('inbound|9999||')!;
    const sa = (((((inbound.load_assignment as O).endpoints as O[])[0]!.lb_endpoints as O[])[0]!.endpoint as O).address as O).socket_address as O;
    assert.deepEqual([sa.address, sa.port_value], ['127.0.0.1', 8080]);
    const chains = (lds.get('virtualInbound')!.filter_chains as O[]).map((c) => c.name);
    // PERMISSIVE (no PeerAuthentication): an mTLS chain and a plaintext chain per port.
    assert.deepEqual(chains, ['virtualInbound-blackhole', 'inbound_0.0.0.0_9999', 'inbound_0.0.0.0_9999', 'inbound_0.0.0.0_9999', 'virtualInbound']);
  });

  it('exportTo of services, VirtualServices and DestinationRules', () => {
    const push = bookinfoPush(`
apiVersion: v1
kind: Service
metadata: {name: private, namespace: hidden, annotations: {networking.istio.io/exportTo: "."}}
spec: {clusterIP: 198.19.0.10, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: secret-routes, namespace: hidden}
spec:
  hosts: [secret.hidden.svc.cluster.local]
  exportTo: ["."]
  http: [{route: [{destination: {host: secret, subset: never}}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: secret, namespace: hidden}
spec:
  host: secret
  exportTo: ["hidden"]
  subsets: [{name: never, labels: {x: y}}]
`);
    const proxy = productpageProxy();
    const rc = generate(push, proxy, 'route', ['9080']).get('9080')!;
    assert.ok(!hostsOf(rc).includes('private.hidden.svc.cluster.local:9080'));
    const secret = (rc.virtual_hosts as O[]).find((v) => v.name === 'secret.hidden.svc.cluster.local:9080')!;
    // The VS is not exported to default: the default route applies.
    assert.equal(((secret.routes as O[])[0]!.route as O).cluster, 'outbound|9080||secret.hidden.svc.cluster.local');
    assert.ok(![...generate(push, proxy, 'cluster').keys()].includes('outbound|9080|never|secret.hidden.svc.cluster.local'));
  });

  it('meshConfig.discoverySelectors drop namespaces whose labels do not match', () => {
    const push = bookinfoPush(`
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    discoverySelectors:
    - matchLabels: {mesh: "on"}
`);
    const rc = generate(push, productpageProxy(), 'route', ['9080']).get('9080')!;
    assert.ok(!hostsOf(rc).includes('secret.hidden.svc.cluster.local:9080'));
    assert.ok(hostsOf(rc).includes('reviews.default.svc.cluster.local:9080'));
  });
});

describe('generator dispatch', () => {
  const push = bookinfoPush();
  it('GENERATOR: grpc → proxyless generators; router → gateway; sidecar → sidecar', () => {
    const grpc = parseNode({ id: 'sidecar~198.18.0.9~c.default~default.svc.cluster.local', metadata: jsonToStruct({ GENERATOR: 'grpc', NAMESPACE: 'default' }) });
    assert.deepEqual([...generate(push, grpc, 'listener', ['reviews:9080']).keys()], ['reviews:9080']);
    const router = parseNode({ id: 'router~198.18.0.100~gw.istio-system~istio-system.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } }) });
    assert.ok(generate(push, router, 'route').has('http.8080'));
    assert.ok(generate(push, productpageProxy(), 'listener').has('virtualOutbound'));
  });
});
