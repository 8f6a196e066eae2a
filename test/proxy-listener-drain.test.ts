import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig } from '../src/proxy/config/model.js';
import { dial, listenLoopback, readAll, tcpListener } from './proxy-listener-support.js';

const mainJs = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Starts `plexus proxy` as a child process and collects its JSON log lines. */
function startProxy(args: string[]): { child: ChildProcess; logs: Record<string, unknown>[]; waitFor: (pred: (l: Record<string, unknown>) => boolean, ms?: number) => Promise<Record<string, unknown>> } {
  const code = `import { main, processIO } from ${JSON.stringify(mainJs)}; process.exitCode = await main(process.argv.slice(1), processIO);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, 'proxy', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      for (const w of waiters.splice(0)) {
        if (w.pred(entry)) w.resolve(entry);
        else waiters.push(w);
      }
    }
  });
  const waitFor = (pred: (l: Record<string, unknown>) => boolean, ms = 10_000): Promise<Record<string, unknown>> => {
    const found = logs.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`log line not seen; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)), ms);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  };
  return { child, logs, waitFor };
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'plexus-proxy-drain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('plexus proxy (child process)', () => {
  it('SIGTERM: stops accepting, lets the in-flight request finish, exits 0', { timeout: 30_000 }, async () => {
    // The backend answers one second after the request arrives.
    const backend = await listenLoopback((s) => {
      s.on('error', () => undefined);
      s.once('data', () => setTimeout(() => s.end('response after a while'), 1000));
    });
    const cluster: ClusterConfig = {
      name: 'backend',
      type: 'STATIC',
      lbPolicy: 'ROUND_ROBIN',
      connectTimeoutMs: 1000,
      loadAssignment: {
        clusterName: 'backend',
        overprovisioningFactor: 140,
        localities: [{ locality: {}, priority: 0, weight: 1, endpoints: [{ address: { address: '127.0.0.1', port: backend.port }, weight: 1, health: 'HEALTHY', metadata: {} }] }],
      },
      circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
      tlsMatches: [],
      http2: false,
      useDownstreamProtocol: false,
    };
    const file = join(dir, 'snapshot.json');
    writeFileSync(file, JSON.stringify({ listeners: [tcpListener('tcp_9500', 9500, 'backend')], clusters: [cluster] }));
    const proxy = startProxy(['--config-file', file, '--bind-host', '127.0.0.1', '--port-map', '9500=0', '--readiness-port', '0', '--readiness-host', '127.0.0.1', '--drain-timeout', '8s', '--log-level', 'debug']);
    const exited = new Promise<number | null>((r) => proxy.child.once('exit', (code) => r(code)));
    try {
      const bound = await proxy.waitFor((l) => l.msg === 'listener bound' && l.listener === 'tcp_9500');
      const port = (bound.bound as { port: number }).port;
      const readinessPort = (await proxy.waitFor((l) => l.msg === 'readiness endpoint listening')).port as number;
      await proxy.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('proxy ready'));
      assert.equal(await httpStatus(readinessPort, '/healthz/ready'), 200);

      const client = await dial(port);
      const reply = readAll(client, 10_000);
      client.write('request\n');
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      proxy.child.kill('SIGTERM');
      await proxy.waitFor((l) => l.msg === 'draining before exit');
      await proxy.waitFor((l) => l.msg === 'listener stopped accepting');
      await assert.rejects(dial(port), 'no new connections while draining');
      client.end();
      assert.equal((await reply).toString(), 'response after a while');
      assert.equal(await exited, 0);
      assert.ok(Date.now() - t0 < 6000, 'exits soon after the last connection, not at the drain deadline');
      assert.ok(proxy.logs.some((l) => l.msg === 'proxy stopped' && l.clean === true));
    } finally {
      if (proxy.child.exitCode === null) proxy.child.kill('SIGKILL');
      backend.server.close();
    }
  });
});
