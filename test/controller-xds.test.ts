// End to end: `plexus controller` as a real child process serving xDS and monitoring on
// loopback; raw ADS clients in this process; `plexus proxy-status` and `proxy-config` as
// real child processes reading the controller's debug endpoints.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '../src/api/resource.js';
import { AdminClient } from '../src/cli/admin-client.js';
import type { ProtoObject } from '../src/xds/protos.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, resourceNames, testNode, type AdsTestStream } from './support/ads-test-client.js';
import { ControllerProcess, plexus } from './support/controller-process.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { verifiedAdsClient } from './support/verified-ads-client.js';
import { waitFor } from './support/wait-for.js';

const HOST = 'greeter.default.svc.cluster.local';
const HEALTH = 'type.googleapis.com/istio.v1.HealthInformation';
const NET = 'networking.istio.io/v1';

async function apply(home: string, ...resources: Resource[]): Promise<void> {
  const res = await AdminClient.connect(home).apply(resources.map((resource) => ({ resource })), false);
  assert.ok(res.applied, JSON.stringify(res));
}

function ack(s: AdsTestStream, res: ProtoObject, names: string[] = []): void {
  s.send({ type_url: res.type_url, response_nonce: res.nonce, version_info: res.version_info, resource_names: names });
}

const workloadGroup: Resource = {
  apiVersion: NET, kind: 'WorkloadGroup', metadata: { name: 'vm', namespace: 'default' },
  spec: { metadata: { labels: { app: 'vm' } }, template: { serviceAccount: 'vm-sa', ports: { http: 8080 }, labels: { tier: 'backend' } } },
};

function autoNode(ip: string): ProtoObject {
  return testNode(`sidecar~${ip}~vm-${ip}.default~default.svc.cluster.local`, { GENERATOR: 'grpc', NAMESPACE: 'default', SERVICE_ACCOUNT: 'vm-sa', AUTO_REGISTER_GROUP: 'vm', INSTANCE_IPS: ip, LABELS: { version: 'v1' } });
}

describe('plexus controller serving xDS, proxy-status and proxy-config', { timeout: 90_000 }, () => {
  let dir: string;
  let home: string;
  let controller: ControllerProcess | undefined;
  const clients: Array<{ close(): void }> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-xds-'));
    home = join(dir, 'home');
    controller = await ControllerProcess.start(home);
    await apply(home,
      service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070 }]),
      workloadEntry('greeter-1', 'default', '127.0.0.1', { app: 'greeter' }, { grpc: 5001 }));
  });
  after(async () => {
    for (const c of clients) c.close();
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes its ports, serves /ready, /metrics and the debug endpoints', async () => {
    const c = controller!;
    assert.ok(c.ports.xds! > 0 && c.ports.monitoring! > 0 && c.ports.admin! > 0, JSON.stringify(c.ports));
    // The mesh CA supplies 15012's certificate, so the TLS port opens too (identity tests cover it).
    assert.ok(c.ports['xds-tls']! > 0, JSON.stringify(c.ports));
    assert.doesNotMatch(c.log, /xDS over TLS \(port \d+\) is not opened/);
    assert.equal((await c.monitoring('/ready')).status, 200);
    await waitFor(async () => (await c.monitoring('/debug/registryz')).text.includes(HOST), 5000, 'the greeter service in registryz');
    const configz = JSON.parse((await c.monitoring('/debug/configz')).text) as Resource[];
    assert.ok(configz.some((r) => r.kind === 'WorkloadEntry' && r.metadata.name === 'greeter-1'));
    const metrics = (await c.monitoring('/metrics')).text;
    for (const name of ['pilot_xds ', 'plexus_config_objects{kind="Service"} 1', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'pilot_proxy_convergence_time_bucket']) assert.ok(metrics.includes(name), `metrics lack ${name}`);
    assert.equal((await c.monitoring('/debug/config_dump')).status, 400);
    assert.equal((await c.monitoring('/debug/config_dump?proxyID=nobody.default')).status, 404);
  });

  it('shows a synced proxy in proxy-status and its clusters in proxy-config', async () => {
    const client = new AdsTestClient(controller!.ports.xds!);
    clients.push(client);
    const s = client.sotw();
    s.send({ node: testNode('sidecar~127.0.0.1~client-a.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster });
    const cds = await s.next();
    assert.deepEqual(resourceNames(cds), [`outbound|7070||${HOST}`]);
    ack(s, cds);
    s.send({ type_url: TYPE_URL.endpoint, resource_names: [`outbound|7070||${HOST}`] });
    const eds = await s.next();
    ack(s, eds, [`outbound|7070||${HOST}`]);

    let status = await plexus(['proxy-status', '--home', home]);
    await waitFor(async () => {
      status = await plexus(['proxy-status', '--home', home]);
      return /client-a\.default\s+Kubernetes\s+SYNCED\s+NOT SENT\s+SYNCED\s+NOT SENT\s+NOT SENT\s+plexus-/.test(status.stdout);
    }, 10_000, `a SYNCED row in:\n${status.stdout}${status.stderr}`);
    assert.match(status.stdout.split('\n')[0]!, /^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ECDS\s+ISTIOD\s+VERSION$/);

    const clusters = await plexus(['proxy-config', 'cluster', 'client-a.default', '--home', home]);
    assert.equal(clusters.code, 0, clusters.stderr);
    assert.match(clusters.stdout, /^SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE\s+DESTINATION RULE\n/);
    assert.match(clusters.stdout, /greeter\.default\.svc\.cluster\.local\s+7070\s+-\s+outbound\s+EDS/);
    const endpoints = await plexus(['proxy-config', 'endpoint', 'client-a.default', '--home', home]);
    assert.match(endpoints.stdout, /127\.0\.0\.1:5001\s+HEALTHY\s+OK\s+outbound\|7070\|\|greeter/);
    const json = await plexus(['proxy-config', 'cluster', 'client-a.default', '-o', 'json', '--home', home]);
    assert.equal((JSON.parse(json.stdout) as Array<Record<string, unknown>>)[0]!['@type'], TYPE_URL.cluster);
    const missing = await plexus(['proxy-config', 'cluster', 'nobody.default', '--home', home]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no proxy "nobody.default" is connected/);
  });

  it('shows a NACK and its error in proxy-status and keeps serving', async () => {
    const client = new AdsTestClient(controller!.ports.xds!);
    clients.push(client);
    const s = client.sotw();
    s.send({ node: testNode('sidecar~127.0.0.2~client-nack.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster });
    const cds = await s.next();
    s.send({ type_url: TYPE_URL.cluster, response_nonce: cds.nonce, version_info: '', error_detail: { code: 3, message: 'cluster rejected: test says no' } });
    let status = await plexus(['proxy-status', '--home', home]);
    await waitFor(async () => {
      status = await plexus(['proxy-status', '--home', home]);
      return /client-nack\.default\s+Kubernetes\s+NACKED/.test(status.stdout);
    }, 10_000, `a NACKED row in:\n${status.stdout}`);
    assert.match(status.stdout, /client-nack\.default CDS NACK of version \w+ \(nonce 1\) at .*: cluster rejected: test says no/);
    const one = await plexus(['proxy-status', 'client-nack.default', '--home', home]);
    assert.equal(one.stdout.trim().split('\n').filter((l) => /^client-\S+\s+Kubernetes/.test(l)).length, 1);
    const metrics = (await controller!.monitoring('/metrics')).text;
    assert.match(metrics, /pilot_total_xds_rejects\{type="cds"\} 1/);
    // Still serving: a new proxy gets its clusters.
    const s2 = client.sotw();
    s2.send({ node: testNode('sidecar~127.0.0.3~client-c.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster });
    assert.deepEqual(resourceNames(await s2.next()), [`outbound|7070||${HOST}`]);
  });

  it('auto-registers a WorkloadGroup member, marks it unhealthy on report, removes it after the grace period', async () => {
    await apply(home, workloadGroup, service('vm', 'default', { app: 'vm' }, [{ name: 'http', port: 8080 }]));
    // Registration and health need a verified identity: a mesh certificate of vm-sa on 15012.
    const client = await verifiedAdsClient(home, controller!.ports, 'default', 'vm-sa');
    clients.push(client);
    const s = client.sotw();
    s.send({ node: autoNode('198.18.0.50'), type_url: TYPE_URL.cluster });
    await s.next();
    const admin = AdminClient.connect(home);
    const we = await waitFor(async () => (await admin.list('workloadentries', 'default')).items.some((r) => r.metadata.name === 'vm-198.18.0.50'), 5000, 'the auto-registered entry')
      .then(() => admin.get('workloadentries', 'vm-198.18.0.50', 'default'));
    assert.equal(we.metadata.annotations?.['istio.io/autoRegistrationGroup'], 'vm');
    assert.match(we.metadata.annotations?.['istio.io/workloadController'] ?? '', /^plexus-/);
    assert.ok(we.metadata.annotations?.['istio.io/connectedAt']);
    assert.deepEqual((we.spec as { labels: Record<string, string> }).labels, { tier: 'backend', app: 'vm', version: 'v1' });
    assert.equal((we.spec as { address: string }).address, '198.18.0.50');
    assert.equal((we.spec as { serviceAccount: string }).serviceAccount, 'vm-sa');

    const registryz = async (): Promise<string> => (await controller!.monitoring('/debug/registryz')).text;
    const healthOf = async (): Promise<string | undefined> => {
      const doc = JSON.parse(await registryz()) as { services: Array<{ hostname: string; endpoints: Array<{ address: string; health: string }> }> };
      return doc.services.find((x) => x.hostname === 'vm.default.svc.cluster.local')?.endpoints.find((e) => e.address === '198.18.0.50')?.health;
    };
    await waitFor(async () => (await healthOf()) === 'HEALTHY', 5000, 'the endpoint in the registry');
    s.send({ type_url: HEALTH, error_detail: { code: 14, message: 'readiness probe failed' } });
    await waitFor(async () => (await healthOf()) === 'UNHEALTHY', 5000, 'the endpoint marked unhealthy');
    s.send({ type_url: HEALTH });
    await waitFor(async () => (await healthOf()) === 'HEALTHY', 5000, 'the endpoint healthy again');

    s.close();
    await waitFor(async () => (await admin.get('workloadentries', 'vm-198.18.0.50', 'default')).metadata.annotations?.['istio.io/disconnectedAt'] !== undefined, 5000, 'the disconnect mark');
    // The default grace is Istio's 10 s.
    await waitFor(async () => !(await admin.list('workloadentries', 'default')).items.some((r) => r.metadata.name === 'vm-198.18.0.50'), 15_000, 'the entry removed after the grace period');
  });
});
