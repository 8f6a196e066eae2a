// Acceptance test of the proxyless path: a real `plexus controller` on a temporary home is
// configured with `plexus apply`, and a real @grpc/grpc-js-xds client follows its
// VirtualServices and DestinationRules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../src/api/resource.js';
import { applier, ControllerProcess, plexus } from './support/controller-process.js';
import { startEchoServer, type EchoServer } from './support/echo-service.js';
import type { CallResult } from './support/xds-client-protocol.js';
import { XdsClientProcess } from './support/xds-client-process.js';
import { destinationRule, service, virtualService, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const TARGET = 'xds:///greeter.default.svc.cluster.local:7070';

describe('proxyless gRPC greeter via xDS', { timeout: 60_000 }, () => {
  let v1: EchoServer;
  let v2: EchoServer;
  let home: string;
  let controller: ControllerProcess;
  let client: XdsClientProcess;
  let apply: (...resources: Resource[]) => Promise<void>;

  const call = (headers: Record<string, string> = {}): Promise<CallResult> => client.call(headers);
  const calls = (n: number, headers: Record<string, string> = {}): Promise<CallResult[]> => client.calls(n, headers);

  const count = (rs: CallResult[], server: string): number => rs.filter((r) => 'server' in r && r.server === server).length;

  before(async () => {
    v1 = await startEchoServer('v1');
    v2 = await startEchoServer('v2');
    home = mkdtempSync(join(tmpdir(), 'plexus-greeter-'));
    apply = applier(home);
    controller = await ControllerProcess.start(home);
    const port = controller.ports.xds;
    await apply(
      service('greeter', 'default', { app: 'greeter' }, [{ name: 'grpc', port: 7070, targetPort: 7070 }]),
      workloadEntry('greeter-v1', 'default', '127.0.0.1', { app: 'greeter', version: 'v1' }, { grpc: v1.port }),
      workloadEntry('greeter-v2', 'default', '127.0.0.1', { app: 'greeter', version: 'v2' }, { grpc: v2.port }),
      destinationRule('greeter', 'default', 'greeter', [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]),
      virtualService('greeter', 'default', ['greeter'], [{
        route: [{ destination: { host: 'greeter', subset: 'v1' }, weight: 80 }, { destination: { host: 'greeter', subset: 'v2' }, weight: 20 }],
      }]),
    );
    // The client runs in its own process: grpc-js-xds reads the bootstrap once per process.
    client = new XdsClientProcess(TARGET, {
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: {
        id: 'sidecar~127.0.0.1~greeter-client.default~default.svc.cluster.local',
        metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', LABELS: { app: 'greeter-client' }, SERVICE_ACCOUNT: 'greeter-client' },
        locality: {},
      },
    });
    await waitFor(async () => 'server' in (await call()), 10_000, 'first successful call through xDS');
  });

  after(async () => {
    await client?.close();
    await controller?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
    await v1?.close();
    await v2?.close();
  });

  it('splits 80/20 between subsets within 5 points over 1,000 calls', async (t) => {
    const rs = await calls(1000);
    const n1 = count(rs, 'v1');
    const n2 = count(rs, 'v2');
    assert.equal(n1 + n2, 1000, `every call succeeds: ${JSON.stringify(rs.find((r) => 'code' in r))}`);
    assert.ok(Math.abs(n1 / 1000 - 0.8) <= 0.05, `v1 share ${n1 / 10}%`);
    t.diagnostic(`80/20 split: v1=${n1} v2=${n2}`);
  });

  it('moves all calls to v2 within 1 s of applying 100% v2', async (t) => {
    await apply(virtualService('greeter', 'default', ['greeter'], [{ route: [{ destination: { host: 'greeter', subset: 'v2' }, weight: 100 }] }]));
    // Measured from the moment the store holds the change (apply has returned).
    const applied = Date.now();
    // Converged when the last call that did not reach v2 is followed by 50 that did.
    let streakStart = 0;
    let streak = 0;
    while (streak < 50) {
      const r = await call();
      if ('server' in r && r.server === 'v2') {
        if (streak === 0) streakStart = Date.now();
        streak++;
      } else {
        streak = 0;
      }
      assert.ok(Date.now() - applied < 5000, 'no convergence within 5 s');
    }
    const converged = streakStart - applied;
    const rs = await calls(200);
    assert.equal(count(rs, 'v2'), 200);
    t.diagnostic(`100% v2 converged after ${converged} ms`);
    assert.ok(converged <= 1000, `converged after ${converged} ms`);
  });

  it('aborts 50 ± 7% of calls with the configured gRPC status', async (t) => {
    await apply(virtualService('greeter', 'default', ['greeter'], [{
      fault: { abort: { grpcStatus: 'ABORTED', percentage: { value: 50 } } },
      route: [{ destination: { host: 'greeter', subset: 'v1' } }],
    }]));
    await waitFor(async () => (await calls(20)).some((r) => 'code' in r), 5000, 'fault config to arrive');
    const rs = await calls(1000);
    const failed = rs.filter((r): r is { code: number; details: string } => 'code' in r);
    const ok = count(rs, 'v1');
    assert.equal(failed.length + ok, 1000);
    assert.ok(Math.abs(failed.length / 1000 - 0.5) <= 0.07, `failed ${failed.length / 10}%`);
    const codes = new Set(failed.map((f) => f.code));
    t.diagnostic(`fault: failed=${failed.length} codes=${[...codes].join(',')} details=${failed[0]?.details}`);
    assert.deepEqual([...codes], [10]);
  });

  it('routes only calls with a matching header to the header route', async (t) => {
    await apply(virtualService('greeter', 'default', ['greeter'], [
      { match: [{ headers: { 'x-canary': { exact: 'yes' } } }], route: [{ destination: { host: 'greeter', subset: 'v2' } }] },
      { route: [{ destination: { host: 'greeter', subset: 'v1' } }] },
    ]));
    await waitFor(async () => (await calls(20)).every((r) => 'server' in r && r.server === 'v1'), 5000, 'header route config');
    const matching = await calls(200, { 'x-canary': 'yes' });
    const plain = await calls(200);
    const other = await calls(200, { 'x-canary': 'no' });
    assert.equal(count(matching, 'v2'), 200);
    assert.equal(count(plain, 'v1'), 200);
    assert.equal(count(other, 'v1'), 200);
    t.diagnostic(`header match: with header v2=${count(matching, 'v2')}, without v1=${count(plain, 'v1')}, other value v1=${count(other, 'v1')}`);
  });

  it('shows the client SYNCED on every type in plexus proxy-status', async () => {
    const run = await plexus(['proxy-status', '--home', home]);
    assert.equal(run.code, 0, run.stderr);
    const row = run.stdout.split('\n').find((l) => l.includes('greeter-client'));
    assert.ok(row, `client listed:\n${run.stdout}`);
    // CDS, LDS, EDS and RDS columns.
    assert.equal(row.match(/\bSYNCED\b/g)?.length, 4, row);
  });
});
