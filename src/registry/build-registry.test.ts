import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/resource.js';
import { buildRegistry } from './build-registry.js';

const NET = 'networking.istio.io/v1';
const we = (name: string, spec: Record<string, unknown>, extra: Partial<Resource> = {}): Resource => ({ apiVersion: NET, kind: 'WorkloadEntry', metadata: { name, namespace: 'default' }, spec, ...extra });

describe('buildRegistry', () => {
  it('selects WorkloadEntries with a Service selector and maps ports like Istio', () => {
    const reg = buildRegistry([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'greeter', namespace: 'default', annotations: { 'networking.istio.io/exportTo': '.' } }, spec: { selector: { app: 'greeter' }, clusterIP: '198.19.0.5', ports: [{ name: 'grpc', port: 7070, targetPort: 9000 }, { name: 'http-admin', port: 8080, targetPort: 'admin' }] } },
      we('g1', { address: '198.18.0.1', labels: { app: 'greeter', version: 'v1' }, ports: { grpc: 5001, admin: 9901 }, locality: 'r1/z1/s1', weight: 3 }),
      we('g2', { address: '198.18.0.2', labels: { app: 'greeter', version: 'v2' } }, { status: { conditions: [{ type: 'Healthy', status: 'False' }] } }),
      we('other', { address: '198.18.0.3', labels: { app: 'other' } }),
      { ...we('elsewhere', { address: '198.18.0.4', labels: { app: 'greeter' } }), metadata: { name: 'elsewhere', namespace: 'prod' } },
    ]);
    const [svc] = reg.byHostname.get('greeter.default.svc.cluster.local')!;
    assert.ok(svc);
    assert.deepEqual(svc.addresses, ['198.19.0.5']);
    assert.deepEqual(svc.exportTo, ['.']);
    assert.deepEqual(svc.ports.map((p) => [p.name, p.port, p.protocol]), [['grpc', 7070, 'GRPC'], ['http-admin', 8080, 'HTTP']]);
    const eps = svc.endpoints.map((e) => `${e.workloadName}:${e.servicePort}->${e.address}:${e.port}:${e.health}:${e.weight}`);
    assert.deepEqual(eps, [
      'g1:7070->198.18.0.1:5001:HEALTHY:3',
      'g2:7070->198.18.0.2:9000:UNHEALTHY:1',
      'g1:8080->198.18.0.1:9901:HEALTHY:3',
      'g2:8080->198.18.0.2:8080:UNHEALTHY:1',
    ]);
    assert.deepEqual(svc.endpoints[0]!.locality, { region: 'r1', zone: 'z1', sub_zone: 's1' });
    assert.ok(Object.isFrozen(svc) && Object.isFrozen(svc.endpoints[0]));
    assert.equal(reg.workloads.length, 4);
  });

  it('builds ServiceEntry services: static endpoints, selectors, DNS and NONE', () => {
    const reg = buildRegistry([
      { apiVersion: NET, kind: 'ServiceEntry', metadata: { name: 'static', namespace: 'ns1' }, spec: { hosts: ['db.internal'], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 5432, name: 'tcp', protocol: 'TCP', targetPort: 6432 }], endpoints: [{ address: '198.18.1.1', labels: { role: 'primary' } }, { address: '198.18.1.2', ports: { tcp: 7000 }, locality: 'eu/a' }] } },
      { apiVersion: NET, kind: 'ServiceEntry', metadata: { name: 'ext', namespace: 'ns1' }, spec: { hosts: ['api.example.com', 'www.example.com'], resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }] } },
      { apiVersion: NET, kind: 'ServiceEntry', metadata: { name: 'vms', namespace: 'ns1' }, spec: { hosts: ['vm'], resolution: 'STATIC', ports: [{ number: 80, name: 'http' }], workloadSelector: { labels: { app: 'vm' } }, exportTo: ['ns2'] } },
      { apiVersion: NET, kind: 'ServiceEntry', metadata: { name: 'none', namespace: 'ns1' }, spec: { hosts: ['*.wild.example'], resolution: 'NONE', ports: [{ number: 80, name: 'http' }] } },
      { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'vm1', namespace: 'ns1' }, spec: { address: '198.18.2.1', labels: { app: 'vm' } } },
    ]);
    const db = reg.byHostname.get('db.internal')![0]!;
    assert.equal(db.location, 'MESH_INTERNAL');
    assert.equal(db.resolution, 'STATIC');
    assert.deepEqual(db.endpoints.map((e) => `${e.address}:${e.port}`), ['198.18.1.1:6432', '198.18.1.2:7000']);
    assert.equal(db.endpoints[1]!.locality.region, 'eu');
    const api = reg.byHostname.get('api.example.com')![0]!;
    assert.equal(api.location, 'MESH_EXTERNAL');
    assert.deepEqual(api.endpoints.map((e) => `${e.address}:${e.port}`), ['api.example.com:443']);
    assert.ok(reg.byHostname.has('www.example.com'));
    const vm = reg.byHostname.get('vm.ns1.svc.cluster.local')![0]!;
    assert.deepEqual(vm.exportTo, ['ns2']);
    assert.deepEqual(vm.endpoints.map((e) => `${e.workloadName}@${e.address}:${e.port}`), ['vm1@198.18.2.1:80']);
    assert.deepEqual(reg.byHostname.get('*.wild.example')![0]!.endpoints, []);
  });
});
