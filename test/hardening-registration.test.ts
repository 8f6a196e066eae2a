// Hardening, registration: the attack of issue 9 — anyone on loopback registering fake
// endpoints or marking real ones unhealthy through plaintext xDS (15010) — against a real
// `plexus controller`. Every attempt must be refused (the stream fails PERMISSION_DENIED, as
// istiod fails the connection), the service keeps exactly its real endpoint, healthy, and a
// workload with a verified mesh certificate of the right service account still registers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { Resource } from '../src/api/resource.js';
import { AdminClient } from '../src/cli/admin-client.js';
import type { ProtoObject } from '../src/xds/protos.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, testNode, type AdsTestStream } from './support/ads-test-client.js';
import { ControllerProcess } from './support/controller-process.js';
import { startEchoServer, type EchoServer } from './support/echo-service.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { XdsClientProcess } from './support/xds-client-process.js';
import { verifiedAdsClient } from './support/verified-ads-client.js';
import { waitFor } from './support/wait-for.js';

const NET = 'networking.istio.io/v1';
const HEALTH = 'type.googleapis.com/istio.v1.HealthInformation';
const HOST = 'vm.default.svc.cluster.local';
const ATTACKS = 40;

const group: Resource = { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'default' }, spec: { template: { serviceAccount: 'vm-sa', labels: { app: 'vm' } } } };
const realEntry: Resource = { apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: 'real-1', namespace: 'default' }, spec: { address: '198.18.100.10', labels: { app: 'vm' }, serviceAccount: 'vm-sa' } };

function node(ip: string, extra: Record<string, unknown>): ProtoObject {
  return testNode(`sidecar~${ip}~vm-${ip.replaceAll('.', '-')}.default~default.svc.cluster.local`, { GENERATOR: 'grpc', NAMESPACE: 'default', INSTANCE_IPS: ip, ...extra });
}

/** The status a stream ended with, or 'open' if it is still serving after `ms`. */
function outcome(s: AdsTestStream, ms = 5000): Promise<ServiceError | 'open'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('open'), ms);
    s.stream.on('error', (e: ServiceError) => {
      clearTimeout(t);
      resolve(e);
    });
  });
}

describe('hardening: registration and health need a verified identity', { timeout: 120_000 }, () => {
  let dir: string;
  let home: string;
  let controller: ControllerProcess;
  const clients: Array<{ close(): void }> = [];

  const endpoints = async (): Promise<Array<{ address: string; health: string }>> => {
    const doc = JSON.parse((await controller.monitoring('/debug/registryz')).text) as { services: Array<{ hostname: string; endpoints: Array<{ address: string; health: string }> }> };
    return doc.services.find((x) => x.hostname === HOST)?.endpoints.map((e) => ({ address: e.address, health: e.health })) ?? [];
  };
  const entryNames = async (): Promise<string[]> => (await AdminClient.connect(home).list('workloadentries', 'default')).items.map((r) => r.metadata.name).sort();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-harden-reg-'));
    home = join(dir, 'home');
    controller = await ControllerProcess.start(home, ['--workload-cleanup-grace', '1s']);
    const res = await AdminClient.connect(home).apply([group, realEntry, service('vm', 'default', { app: 'vm' }, [{ name: 'http', port: 8080 }])].map((resource) => ({ resource })), false);
    assert.ok(res.applied);
    await waitFor(async () => (await endpoints()).length === 1, 5000, 'the real endpoint');
  });
  after(async () => {
    for (const c of clients) c.close();
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`refuses ${ATTACKS} fake registrations and health reports on plaintext xDS; the real endpoint stays alone and healthy`, async () => {
    const client = new AdsTestClient(controller.ports.xds!);
    clients.push(client);
    const attempts: Array<Promise<ServiceError | 'open'>> = [];
    for (let i = 0; i < ATTACKS; i++) {
      // Both protocols: every fourth attempt on a delta stream.
      const delta = i % 4 < 2 && i % 8 >= 4;
      const s = delta ? client.delta() : client.sotw();
      const ended = outcome(s);
      if (i % 2 === 0) {
        // A fake member of the group.
        const n = node(`198.18.100.${100 + i}`, { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'vm-sa' });
        s.send(delta ? { node: n, type_url: TYPE_URL.cluster, resource_names_subscribe: ['*'] } : { node: n, type_url: TYPE_URL.cluster });
      } else {
        // Take over the real entry and call it unhealthy.
        s.send({ node: node('198.18.100.10', { WORKLOAD_ENTRY: 'real-1', SERVICE_ACCOUNT: 'vm-sa' }), type_url: TYPE_URL.cluster });
        s.send({ type_url: HEALTH, error_detail: { code: 14, message: 'forged: readiness probe failed' } });
      }
      attempts.push(ended);
    }
    const results = await Promise.all(attempts);
    const denied = results.filter((r) => r !== 'open' && r.code === status.PERMISSION_DENIED);
    assert.equal(denied.length, ATTACKS, JSON.stringify(results.map((r) => (r === 'open' ? r : r.code))));
    assert.match((denied[0] as ServiceError).details, /requires a verified identity.*15012/);

    // A plaintext stream that does not ask to register is served, but its health reports count for nothing.
    const plain = client.sotw();
    plain.send({ node: node('198.18.100.10', { SERVICE_ACCOUNT: 'vm-sa' }), type_url: TYPE_URL.cluster });
    assert.ok((await plain.next()).resources, 'public config is still served on 15010');
    plain.send({ type_url: HEALTH, error_detail: { code: 14, message: 'forged' } });

    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await entryNames(), ['real-1']);
    assert.deepEqual(await endpoints(), [{ address: '198.18.100.10', health: 'HEALTHY' }]);
    assert.match(controller.log, /ADS stream refused/);
    assert.match(controller.log, /health report ignored: it needs a verified identity/);
  });

  it('refuses a verified workload whose service account is not the group\'s or the entry\'s', async () => {
    const other = await verifiedAdsClient(home, controller.ports, 'default', 'intruder');
    clients.push(other);
    const results: Array<ServiceError | 'open'> = [];
    for (const extra of [{ AUTO_REGISTER_GROUP: 'vm' }, { WORKLOAD_ENTRY: 'real-1' }]) {
      const s = other.sotw();
      const ended = outcome(s);
      s.send({ node: node('198.18.100.20', { ...extra, SERVICE_ACCOUNT: 'intruder' }), type_url: TYPE_URL.cluster });
      s.send({ type_url: HEALTH, error_detail: { code: 14, message: 'forged' } });
      results.push(await ended);
    }
    assert.deepEqual(results.map((r) => (r === 'open' ? r : r.code)), [status.PERMISSION_DENIED, status.PERMISSION_DENIED]);
    assert.match((results[0] as ServiceError).details, /service account mismatch.*"intruder".*"vm-sa"/);
    // Claiming the group's service account with another certificate fails the certificate rule.
    const s = other.sotw();
    const ended = outcome(s);
    s.send({ node: node('198.18.100.21', { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'vm-sa' }), type_url: TYPE_URL.cluster });
    const lie = await ended;
    assert.ok(lie !== 'open' && lie.code === status.PERMISSION_DENIED, String(lie));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await entryNames(), ['real-1']);
    assert.deepEqual(await endpoints(), [{ address: '198.18.100.10', health: 'HEALTHY' }]);
  });

  it('still registers, and takes health from, a workload with a verified certificate of the group\'s service account', async () => {
    const vm = await verifiedAdsClient(home, controller.ports, 'default', 'vm-sa');
    clients.push(vm);
    const s = vm.sotw();
    s.send({ node: node('198.18.100.30', { AUTO_REGISTER_GROUP: 'vm', SERVICE_ACCOUNT: 'vm-sa' }), type_url: TYPE_URL.cluster });
    await s.next();
    await waitFor(async () => (await entryNames()).includes('vm-198.18.100.30'), 5000, 'the verified registration');
    const healthOf = async (): Promise<string | undefined> => (await endpoints()).find((e) => e.address === '198.18.100.30')?.health;
    await waitFor(async () => (await healthOf()) === 'HEALTHY', 5000, 'the registered endpoint');
    s.send({ type_url: HEALTH, error_detail: { code: 14, message: 'probe failed' } });
    await waitFor(async () => (await healthOf()) === 'UNHEALTHY', 5000, 'its own health report');
    // The real endpoint is untouched by all of this.
    assert.equal((await endpoints()).find((e) => e.address === '198.18.100.10')?.health, 'HEALTHY');
    s.close();
    await waitFor(async () => !(await entryNames()).includes('vm-198.18.100.30'), 8000, 'the entry cleaned up after the grace period');
  });
});

describe('hardening: the 15010 registration attack leaves real traffic alone', { timeout: 120_000 }, () => {
  let dir: string;
  let home: string;
  let controller: ControllerProcess;
  let echo: EchoServer;
  let client: XdsClientProcess | undefined;
  const ads: AdsTestClient[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-harden-traffic-'));
    home = join(dir, 'home');
    echo = await startEchoServer('real');
    controller = await ControllerProcess.start(home);
    const greeterGroup: Resource = { apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'greeter', namespace: 'default' }, spec: { metadata: { labels: { app: 'greeter' } }, template: { serviceAccount: 'greeter', ports: { grpc: 1 } } } };
    const res = await AdminClient.connect(home).apply([
      service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070, targetPort: 7070 }]),
      workloadEntry('greeter-real', 'default', '127.0.0.1', { app: 'greeter' }, { grpc: echo.port }),
      greeterGroup,
    ].map((resource) => ({ resource })), false);
    assert.ok(res.applied);
    client = new XdsClientProcess('xds:///greeter.default.svc.cluster.local:7070', {
      xds_servers: [{ server_uri: `127.0.0.1:${controller.ports.xds}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'sidecar~127.0.0.1~caller.default~default.svc.cluster.local', metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', SERVICE_ACCOUNT: 'caller' }, locality: {} },
    });
    await waitFor(async () => 'server' in (await client!.call()), 10_000, 'a first call through xDS');
  });
  after(async () => {
    for (const c of ads) c.close();
    await client?.close();
    await controller.stop();
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('100 of 100 calls still reach the real endpoint after 40 fake registrations and forged unhealthy reports', async () => {
    const attacker = new AdsTestClient(controller.ports.xds!);
    ads.push(attacker);
    const ended: Array<Promise<ServiceError | 'open'>> = [];
    for (let i = 0; i < 40; i++) {
      const s = attacker.sotw();
      ended.push(outcome(s));
      if (i % 2 === 0) {
        s.send({ node: node(`127.0.0.${10 + i}`, { AUTO_REGISTER_GROUP: 'greeter', SERVICE_ACCOUNT: 'greeter' }), type_url: TYPE_URL.cluster });
      } else {
        s.send({ node: node('127.0.0.1', { WORKLOAD_ENTRY: 'greeter-real' }), type_url: TYPE_URL.cluster });
        s.send({ type_url: HEALTH, error_detail: { code: 14, message: 'forged' } });
      }
    }
    const refused = (await Promise.all(ended)).filter((r) => r !== 'open' && r.code === status.PERMISSION_DENIED).length;
    assert.equal(refused, 40);
    // Past the debounce: whatever the attack could have changed would be pushed by now.
    await new Promise((r) => setTimeout(r, 1500));
    const results = await client!.calls(100);
    const ok = results.filter((r) => 'server' in r && r.server === 'real').length;
    assert.equal(ok, 100, JSON.stringify(results.find((r) => !('server' in r))));
  });
});
