// Config changes under load: 1,000 requests per second for 30 s through the sidecar pair
// (client pod capture → client sidecar → mTLS → server sidecars → apps) while `plexus apply`
// shifts VirtualService weights several times. Every request must get a 200.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from './proxy-e2e-client.js';
import { E2eMesh, e2eSkipReason, waitUntil } from './proxy-e2e-support.js';

const skip = e2eSkipReason();
const HOST = 'echo.default.svc.cluster.local';
const RATE = 1000;
const DURATION_MS = 30_000;

function weights(v1: number, v2: number): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: echo, namespace: default }
spec:
  hosts: [${HOST}]
  http:
  - route:
    - { destination: { host: ${HOST}, subset: v1 }, weight: ${v1} }
    - { destination: { host: ${HOST}, subset: v2 }, weight: ${v2} }
`;
}

describe('proxy e2e: VirtualService changes during a 1,000 rps load run', { skip, timeout: 120_000 }, () => {
  let mesh: E2eMesh;
  let port = 0;

  before(async () => {
    mesh = await E2eMesh.start({ prefix: 'pxe4', octet: 74, mtls: true, extraConfig: weights(100, 0), proxyFlags: ['--log-level', 'warn'] });
    port = await mesh.forward(`${mesh.vip}:9080`);
    await waitUntil('v1 only', async () => (await httpRequest(port)).echo?.instance === 'v1', 10_000);
  });
  after(async () => {
    assert.deepEqual(await mesh?.stop() ?? [], []);
  });

  it('loses no request across five weight shifts', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const counts = { sent: 0, ok: 0, failed: 0, v1: 0, v2: 0 };
    const failures: string[] = [];
    const inflight = new Set<Promise<void>>();
    const one = async (): Promise<void> => {
      counts.sent++;
      try {
        const r = await httpRequest(port, { path: '/load', agent, timeoutMs: 10_000 });
        if (r.status === 200) {
          counts.ok++;
          if (r.echo?.instance === 'v1') counts.v1++;
          else if (r.echo?.instance === 'v2') counts.v2++;
        } else {
          counts.failed++;
          if (failures.length < 10) failures.push(`status ${r.status} ${r.body.slice(0, 80)}`);
        }
      } catch (err) {
        counts.failed++;
        if (failures.length < 10) failures.push((err as Error).message);
      }
    };
    // Paced open-loop client: each 10 ms tick sends what the schedule says is due.
    const started = Date.now();
    const pacer = new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = Date.now() - started;
        const due = Math.min(RATE * DURATION_MS / 1000, Math.floor((elapsed * RATE) / 1000));
        while (counts.sent < due) {
          const p = one();
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        if (elapsed >= DURATION_MS) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    const shifts: Array<[number, number]> = [[80, 20], [50, 50], [0, 100], [30, 70], [100, 0]];
    const applied: string[] = [];
    for (const [v1, v2] of shifts) {
      await new Promise((r) => setTimeout(r, 4500));
      await mesh.apply(weights(v1, v2));
      applied.push(`${v1}/${v2} at ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
    await pacer;
    await Promise.all([...inflight]);
    agent.destroy();
    const seconds = (Date.now() - started) / 1000;
    console.log(`load: ${counts.sent} sent in ${seconds.toFixed(1)} s (${Math.round(counts.sent / seconds)} rps), ${counts.ok} × 200, ${counts.failed} failed; v1 ${counts.v1}, v2 ${counts.v2}; shifts ${applied.join(', ')}`);
    assert.equal(counts.failed, 0, failures.join('; '));
    assert.equal(counts.ok, RATE * DURATION_MS / 1000);
    assert.ok(counts.v2 > 0 && counts.v1 > 0, 'the shifts took effect');
  });
});
