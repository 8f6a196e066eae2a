// `plexus proxy --xds-tls` as real processes against a real `plexus controller`: the agent gets
// the workload certificate (token), the ADS stream runs on 15012 presenting it, and short-lived
// certificates (--cert-ttl 4s, renewed every ~2 s) move the stream to each new certificate while
// traffic keeps flowing on the last good snapshot and later config still arrives. Once with the
// CA on the TLS port too (--xds-root-cert), once with --concurrency 2, Delta and the plaintext CA.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '../src/api/resource.js';
import { freePorts } from '../src/agent/free-ports.js';
import type { SynczEntry } from '../src/xds/debug/syncz.js';
import { tempDir } from './ca-support.js';
import { mintToken, startIdentityController } from './identity-support.js';
import { applier, plexus, type ControllerProcess } from './support/controller-process.js';
import { service, workloadEntry } from './support/mesh-objects.js';
import { ProxyChild } from './support/proxy-child.js';
import { waitFor } from './support/wait-for.js';



/** One request through the proxy's HTTP proxy port to `authority`, on a fresh connection. */
function viaProxy(port: number, authority: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: `http://${authority}${path}`, headers: { host: authority }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('plexus proxy --xds-tls: xDS over mTLS on 15012, following certificate rotation', { timeout: 90_000 }, () => {
  const tmp = tempDir('proxy-xds-tls');
  const home = join(tmp.dir, 'home');
  let controller: ControllerProcess;
  let upstream: http.Server;
  let upstreamPort: number;
  let apply: (...resources: Resource[]) => Promise<void>;
  let rootFile: string;
  const children: ProxyChild[] = [];

  before(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      res.end(`upstream ${req.headers.host ?? ''} ${req.url ?? ''}`);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamPort = (upstream.address() as AddressInfo).port;
    controller = await startIdentityController(home);
    apply = applier(home);
    await apply(
      service('echo', 'default', { app: 'echo' }, [{ name: 'http', port: 8080 }]),
      workloadEntry('echo-1', 'default', '127.0.0.1', { app: 'echo' }, { http: upstreamPort }),
    );
    const root = await plexus(['x', 'ca', 'root', '--home', home]);
    assert.equal(root.code, 0, root.stderr);
    rootFile = join(tmp.dir, 'root-cert.pem');
    writeFileSync(rootFile, root.stdout);
  });

  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await controller?.stop();
    upstream?.close();
    tmp.cleanup();
  });

  const cases = [
    { name: 'one process, the CA on 15012 too (--xds-root-cert)', sa: 'tls-one', renewsByCertificate: true, extra: (): string[] => ['--xds-root-cert', rootFile] },
    { name: '--concurrency 2 (the primary holds the stream), Delta xDS, the plaintext CA (--ca-address)', sa: 'tls-two', renewsByCertificate: false, extra: (): string[] => ['--concurrency', '2', '--xds-mode', 'delta', '--ca-address', `127.0.0.1:${controller.ports.xds}`] },
  ];
  for (const c of cases) {
    it(`${c.name}: config over 15012, renewals reconnect with the new certificate, nothing lost`, async () => {
      const token = await mintToken(home, 'default', c.sa);
      const [proxyPort] = await freePorts(1);
      const proxy = new ProxyChild([
        '--controller', `127.0.0.1:${controller.ports['xds-tls']}`, '--xds-tls', ...c.extra(), '--token', token, '--cert-ttl', '4s',
        '--namespace', 'default', '--service-account', c.sa, '--pod-name', c.sa, '--ip', '127.0.0.1', '--capture', 'off', '--http-proxy-port', String(proxyPort),
        '--admin-port', '0', '--stats-port=-1', '--status-port=-1', '--readiness-port=-1', '--drain-timeout', '1s',
      ]);
      children.push(proxy);
      await proxy.line((l) => l.msg === 'proxy started', 'the proxy started');
      await waitFor(async () => (await viaProxy(proxyPort!, 'echo.default.svc.cluster.local:8080', '/first').catch(() => ({ status: 0 }))).status === 200, 20_000, 'config over 15012', 50)
        .catch((err: Error) => { throw new Error(`${err.message}; log:\n${proxy.dump()}`); });

      const syncz = async (): Promise<SynczEntry[]> => JSON.parse((await controller.monitoring('/debug/syncz')).text) as SynczEntry[];
      const mine = async (): Promise<SynczEntry[]> => (await syncz()).filter((e) => e.proxy.includes(`~${c.sa}.default~`) || e.proxy.startsWith(`${c.sa}.`));

      // Traffic all through two renewals (each reconnects the ADS stream with the new certificate).
      const reconnectsBefore = proxy.count('xDS client certificate changed: reconnecting with it');
      let ok = 0;
      const failures: string[] = [];
      const deadline = Date.now() + 20_000;
      while (proxy.count('xDS client certificate changed: reconnecting with it') < reconnectsBefore + 2 && Date.now() < deadline) {
        const r = await viaProxy(proxyPort!, 'echo.default.svc.cluster.local:8080', `/during-${ok}`).catch((err: Error) => ({ status: 0, body: err.message }));
        if (r.status === 200) ok++;
        else failures.push(`${r.status} ${r.body}`);
        await new Promise((r2) => setTimeout(r2, 25));
      }
      assert.ok(proxy.count('xDS client certificate changed: reconnecting with it') >= reconnectsBefore + 2, `two reconnects with new certificates; log:\n${proxy.dump()}`);
      assert.ok(proxy.count('workload certificate installed') >= 3, 'the first certificate and two renewals');
      assert.deepEqual(failures, [], 'no request failed while the stream moved to new certificates');
      assert.ok(ok >= 10, `requests served during the renewals: ${ok}`);
      // On the TLS port the agent renews with its certificate; on the plaintext CA, with the token.
      const issued = controller.log.split('\n').filter((l) => l.includes('issued workload certificate') && l.includes(`/sa/${c.sa}"`)).map((l) => (JSON.parse(l) as { auth: string }).auth);
      assert.equal(issued[0], 'token');
      assert.ok(issued.length >= 3, `issued: ${issued.join(',')}`);
      assert.deepEqual(new Set(issued.slice(1)), new Set([c.renewsByCertificate ? 'certificate' : 'token']));

      // The new stream carries new config: a service applied now is routed.
      const svc = `late-${c.sa}`;
      await apply(
        service(svc, 'default', { app: svc }, [{ name: 'http', port: 8081 }]),
        workloadEntry(`${svc}-1`, 'default', '127.0.0.1', { app: svc }, { http: upstreamPort }),
      );
      await waitFor(async () => (await viaProxy(proxyPort!, `${svc}.default.svc.cluster.local:8081`, '/late').catch(() => ({ status: 0 }))).status === 200, 15_000, 'config applied after the renewals', 50)
        .catch((err: Error) => { throw new Error(`${err.message}; log:\n${proxy.dump()}`); });
      // Old streams are gone: one connection for this proxy (a reconnect may be in flight: wait for it to settle).
      await waitFor(async () => (await mine()).length === 1, 10_000, 'exactly one ADS connection of this proxy', 50);
      assert.equal((await mine()).length, 1);
      // Nothing ever fell back to plaintext or failed the handshake.
      assert.equal(proxy.logs.filter((l) => l.msg === 'xDS stream ended; serving the last snapshot until it is back' && /certificate|handshake|UNAUTHENTICATED/i.test(String(l.err))).length, 0, proxy.dump());
      await proxy.stop();
      assert.equal(proxy.child.exitCode, 0, proxy.dump());
    });
  }

  it('refuses --xds-tls without a token, and without a way to verify the CA', async () => {
    const tlsAddr = `127.0.0.1:${controller.ports['xds-tls']}`;
    const table = [
      { args: ['--controller', tlsAddr, '--xds-tls', '--xds-root-cert', rootFile], err: /--xds-tls needs --token or --token-file/ },
      { args: ['--controller', tlsAddr, '--xds-tls', '--token', 'x'], err: /give --xds-root-cert FILE \(the mesh root\) or --ca-address/ },
      { args: ['--controller', tlsAddr, '--xds-root-cert', rootFile], err: /--xds-root-cert applies to --xds-tls only/ },
      { args: ['--controller', tlsAddr, '--xds-tls', '--token', 'x', '--xds-root-cert', join(tmp.dir, 'missing.pem')], err: /cannot read --xds-root-cert/ },
    ];
    let refused = 0;
    for (const t of table) {
      const run = await plexus(['proxy', ...t.args]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, t.err);
      refused++;
    }
    assert.equal(refused, table.length);
  });
});
