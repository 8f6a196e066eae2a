// `plexus controller --mesh-config FILE`: the file's MeshConfig is the one the generators use
// (trust domain aliases in RBAC principals), over what the store holds.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '../src/api/resource.js';
import { AdminClient } from '../src/cli/admin-client.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, testNode } from './support/ads-test-client.js';
import { ControllerProcess } from './support/controller-process.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const policy: Resource = {
  apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'callers', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'greeter' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/caller'] } }] }] },
};

describe('plexus controller --mesh-config FILE', { timeout: 60_000 }, () => {
  let dir: string;
  let controller: ControllerProcess | undefined;
  let client: AdsTestClient | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-meshfile-'));
    const file = join(dir, 'mesh.yaml');
    await writeFile(file, 'trustDomain: cluster.local\ntrustDomainAliases: [old.example]\n');
    controller = await ControllerProcess.start(join(dir, 'home'), ['--mesh-config', file]);
    const res = await AdminClient.connect(join(dir, 'home')).apply([
      service('greeter', 'default', { app: 'greeter' }, [{ name: 'http', port: 8080 }]),
      workloadEntry('greeter-1', 'default', '127.0.0.1', { app: 'greeter' }, { http: 8080 }),
      policy,
    ].map((resource) => ({ resource })), false);
    assert.ok(res.applied, JSON.stringify(res));
  });
  after(async () => {
    client?.close();
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('expands principals with the file\'s trustDomainAliases', async () => {
    client = new AdsTestClient(controller!.ports.xds!);
    const s = client.sotw();
    s.send({
      node: testNode('sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local', { NAMESPACE: 'default', SERVICE_ACCOUNT: 'greeter', LABELS: { app: 'greeter' }, INSTANCE_IPS: '127.0.0.1' }),
      type_url: TYPE_URL.listener,
    });
    await s.next();
    let dump = '';
    await waitFor(async () => {
      dump = (await controller!.monitoring('/debug/config_dump?proxyID=greeter-1.default')).text;
      return dump.includes('envoy.filters.http.rbac');
    }, 10_000, 'an RBAC filter in the sidecar\'s listeners');
    assert.ok(dump.includes('spiffe://cluster.local/ns/default/sa/caller'), 'the mesh trust domain');
    assert.ok(dump.includes('spiffe://old.example/ns/default/sa/caller'), 'the alias from the --mesh-config file');
  });
});
