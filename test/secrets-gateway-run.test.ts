// `plexus gateway run` against a real `plexus controller` with its CA: the gateway's proxy speaks
// xDS on 15012 (mesh root from the controller's home, workload certificate by token), so the
// controller serves it the credentialName Secret and HTTPS works; the same request for the
// Secret on plaintext 15010, under the gateway's own name, gets nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import { makeTestAuthority, makeTestCredential, tlsSecretResource, type TestAuthority, type TestCredential } from '../src/api/kinds/secret/testing-credentials.js';
import { freePorts } from '../src/agent/free-ports.js';
import { unpackAny, type ProtoObject } from '../src/xds/protos.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { tempDir } from './ca-support.js';
import { startIdentityController } from './identity-support.js';
import { AdsTestClient, testNode } from './support/ads-test-client.js';
import { applier, type ControllerProcess } from './support/controller-process.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { waitFor } from './support/wait-for.js';

const MAIN = new URL('../src/cli/main.js', import.meta.url).href;
const ENTRY = `const { main, processIO } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1), processIO);`;
const NET = 'networking.istio.io/v1';
const HOST = 'shop.example.com';

/** One HTTPS GET to 127.0.0.1:port with SNI HOST, verified against `ca`: status and body, or the error. */
function httpsGet(port: number, ca: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: HOST, ca });
    let buf = '';
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.once('secureConnect', () => socket.write(`GET /via-gateway HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d: Buffer) => (buf += d.toString()));
    socket.once('error', (err) => resolve({ error: err.message }));
    socket.once('close', () => {
      const head = buf.indexOf('\r\n\r\n');
      resolve(head < 0 ? { error: `no response (${JSON.stringify(buf.slice(0, 60))})` } : { status: Number(buf.slice(9, 12)), body: buf.slice(head + 4) });
    });
  });
}

describe('plexus gateway run: its proxy speaks xDS on 15012 and gets its credentialName Secret', { timeout: 60_000 }, () => {
  const tmp = tempDir('gateway-run-tls');
  const home = join(tmp.dir, 'home');
  let controller: ControllerProcess;
  let backend: Server;
  let gateway: ChildProcess | undefined;
  let gatewayLog = '';
  let hostPort: number;
  let serverCa: TestAuthority;
  let cred: TestCredential;

  before(async () => {
    serverCa = await makeTestAuthority('gateway-run-ca');
    cred = await makeTestCredential(serverCa, [HOST]);
    backend = createServer((req, res) => res.end(`backend ${req.url ?? ''}`));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    controller = await startIdentityController(home);
    await applier(home)(
      service('web', 'shop', { app: 'web' }, [{ name: 'http', port: 8080 }]),
      workloadEntry('web-1', 'shop', '127.0.0.1', { app: 'web' }, { http: (backend.address() as AddressInfo).port }),
      { apiVersion: NET, kind: 'Gateway', metadata: { name: 'https', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'gw-cert' } }] } },
      { apiVersion: NET, kind: 'VirtualService', metadata: { name: 'shop', namespace: 'istio-system' }, spec: { hosts: [HOST], gateways: ['https'], http: [{ route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } } }] }] } },
      tlsSecretResource('gw-cert', 'istio-system', cred),
    );
    [hostPort] = (await freePorts(1)) as [number];
    gateway = spawn(process.execPath, ['--input-type=module', '-e', ENTRY, 'gateway', 'run', '--home', home, '--name', 'ingressgateway', '--port', `${hostPort}:443`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PLEXUS_HOME: '' } });
    gateway.stderr!.on('data', (d: Buffer) => (gatewayLog = (gatewayLog + d.toString()).slice(-30_000)));
  });

  after(async () => {
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
      const exited = new Promise((r) => gateway!.once('exit', r));
      gateway.kill('SIGTERM');
      const timer = setTimeout(() => gateway!.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    await controller?.stop();
    backend?.close();
    tmp.cleanup();
  });

  it('serves HTTPS with the Secret\'s certificate, its ADS stream on 15012', async () => {
    let last: unknown;
    await waitFor(async () => {
      last = await httpsGet(hostPort, serverCa.certPem);
      return !('error' in (last as object)) && (last as { status: number }).status === 200;
    }, 30_000, 'HTTPS through the gateway', 100).catch((err: Error) => { throw new Error(`${err.message}; last: ${JSON.stringify(last)}; log:\n${gatewayLog}`); });
    let ok = 0;
    for (let i = 0; i < 3; i++) {
      const r = await httpsGet(hostPort, serverCa.certPem);
      assert.ok(!('error' in r), JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.equal(r.body, 'backend /via-gateway');
      ok++;
    }
    assert.equal(ok, 3);
    // One stream, and the Secret served on it: only a verified (15012) stream gets one.
    assert.doesNotMatch(gatewayLog, /plaintext xDS/);
    const syncz = JSON.parse((await controller.monitoring('/debug/syncz')).text) as Array<{ proxy: string; types: Record<string, { state: string; subscribed: string[] }> }>;
    const mine = syncz.filter((e) => e.proxy.includes('~ingressgateway.istio-system~'));
    assert.equal(mine.length, 1, JSON.stringify(syncz));
    assert.deepEqual(mine[0]!.types.SDS?.subscribed, ['kubernetes://gw-cert']);
  });

  it('attack: the same node on plaintext 15010 gets no Secret (it only claims the namespace)', async () => {
    const client = new AdsTestClient(controller.ports.xds!);
    try {
      const s = client.sotw();
      s.send({
        node: testNode('router~127.0.0.1~ingressgateway.istio-system~istio-system.svc.cluster.local', { NAMESPACE: 'istio-system', SERVICE_ACCOUNT: 'istio-ingressgateway', LABELS: { istio: 'ingressgateway' } }),
        type_url: TYPE_URL.secret, resource_names: ['kubernetes://gw-cert', 'ROOTCA'],
      });
      const res = await s.next();
      const names = (res.resources as ProtoObject[]).map((r) => String(unpackAny(r as Parameters<typeof unpackAny>[0]).name));
      // ROOTCA stays public; the gateway's key does not leave on this port.
      assert.deepEqual(names, ['ROOTCA']);
      s.close();
    } finally {
      client.close();
    }
  });
});
