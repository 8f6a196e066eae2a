import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProtoObject } from '../src/xds/protos.js';
import { parseNode, type ProxyInfo } from '../src/xds/proxy.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { explicitInterceptionMetadata } from '../src/xds/generators/explicit-interception.js';
import { bookinfoPush, generate } from './xds-sidecar-fixture.js';

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

function explicitProxy(): ProxyInfo {
  return parseNode({
    id: 'sidecar~127.0.0.1~details-x.default~default.svc.cluster.local',
    metadata: jsonToStruct({
      NAMESPACE: 'default', LABELS: { app: 'details', version: 'vx' }, SERVICE_ACCOUNT: 'bookinfo-details', INSTANCE_IPS: '127.0.0.1',
      ...explicitInterceptionMetadata({ httpProxyPort: 40100, inbound: new Map([[40001, 40201]]) }),
    }),
  });
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
