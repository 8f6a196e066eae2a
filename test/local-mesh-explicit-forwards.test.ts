import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePorts } from '../src/agent/free-ports.js';
import { httpGet } from '../src/agent/http-probe.js';
import { startBackgroundController } from '../src/cli/local-controller.js';
import { bookinfoAppPath, plexusArgv } from '../src/cli/self-command.js';

// Explicit mode's port forwards: an app that knows nothing of proxies (Node's own http and
// net) reaches mesh services on 127.0.0.1:$<NAME>_SERVICE_PORT, through its sidecar, with
// mTLS to the peer and the VirtualServices applied. No root, no namespaces; the controller
// runs on ports of its own (port 0), so this can run beside another local mesh.

const ECHO_HTTP = `
const http = require('node:http');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ version: process.argv[1], host: req.headers.host, path: req.url }));
}).listen(Number(process.env.PORT), process.env.HOST);`;

const ECHO_TCP = `
require('node:net').createServer((c) => c.pipe(c)).listen(Number(process.env.PORT), process.env.HOST);`;

// The client: a control server the test drives; it calls through its forwards with plain
// node:http / node:net (which ignore HTTP_PROXY), and publishes its environment.
const CLIENT = `
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
function call(port, path, host) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
  });
}
function echo(port, msg) {
  return new Promise((resolve) => {
    let data = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(msg));
    s.setEncoding('utf8');
    s.setTimeout(5000, () => s.destroy());
    s.on('data', (c) => { data += c; if (data.length >= msg.length) s.end(); });
    s.on('close', () => resolve({ data }));
    s.on('error', () => {});
  });
}
const server = http.createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  const q = (k) => u.searchParams.get(k);
  const out = u.pathname === '/tcp' ? await echo(Number(q('port')), q('msg')) : await call(Number(q('port')), q('path'), q('host'));
  res.end(JSON.stringify(out));
});
server.listen(0, '127.0.0.1', () => {
  const file = process.env.FWD_OUT;
  fs.writeFileSync(file + '.tmp', JSON.stringify({ control: server.address().port, env: process.env }));
  fs.renameSync(file + '.tmp', file);
});`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes; returns the last value. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('explicit mode: port forwards as Kubernetes service variables', () => {
  let home = '';
  const runs: ChildProcess[] = [];
  let external: Server | undefined;
  let externalPort = 0;
  let detailsLocal = 0;
  let client: { control: number; env: Record<string, string> } = { control: 0, env: {} };

  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const [file, ...argv] = plexusArgv(args);
    const r = spawnSync(file!, argv, { env: { ...process.env, PLEXUS_HOME: home }, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const apply = (yaml: string): void => {
    const file = join(home, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    const r = cli('apply', '--home', home, '-f', file);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  };
  const run = (name: string, opts: string[], command: string[]): void => {
    const log = openSync(join(home, `run.${name}.log`), 'a');
    const [file, ...argv] = plexusArgv(['run', '--home', home, '--capture', 'none', '--name', name, ...opts, '--', ...command]);
    runs.push(spawn(file!, argv, { env: { ...process.env, PLEXUS_HOME: home, FWD_OUT: join(home, 'client.json') }, stdio: ['ignore', log, log] }));
    closeSync(log);
  };
  /** Through the client app: GET 127.0.0.1:port/path with node:http. */
  const viaClient = async (port: number | string, path: string, host?: string): Promise<{ status: number; body: string }> => {
    const q = new URLSearchParams({ port: String(port), path, ...(host ? { host } : {}) });
    const r = await httpGet(`http://127.0.0.1:${client.control}/http?${q}`, 8000);
    return r.status === 200 ? (JSON.parse(r.body) as { status: number; body: string }) : { status: 0, body: '' };
  };
  const record = (name: string): { ports: number[]; proxyPid?: number } =>
    JSON.parse(readFileSync(join(home, 'workloads', `workload.default.${name}.json`), 'utf8')) as { ports: number[]; proxyPid?: number };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'plexus-fwd-'));
    external = createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host })));
    await new Promise<void>((r) => external!.listen(0, '127.0.0.1', r));
    externalPort = (external.address() as { port: number }).port;
    [detailsLocal] = await freePorts(1);
    await startBackgroundController(home, ['--admin-port', '0', '--xds-port', '0', '--xds-tls-port', '0', '--monitoring-port', '0']);
    apply(`
apiVersion: v1
kind: Service
metadata: {name: details, namespace: default}
spec: {selector: {app: details}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec: {selector: {app: echo}, ports: [{name: http-api, port: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: tcp-echo, namespace: default}
spec: {selector: {app: tcp-echo}, ports: [{name: tcp, port: 9000}, {name: tcp-alt, port: 9001, targetPort: 9000}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: default}
spec: {clusterIP: None, ports: [{name: http, port: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext-api, namespace: default}
spec:
  hosts: [ext.example.test]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: ${externalPort}}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo, namespace: default}
spec: {host: echo, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: default}
spec: {mtls: {mode: STRICT}}
`);
    // The client first: it claims the local port picked above before the others pick theirs.
    run('client', ['--service-account', 'fwd-client', '--forward', `details.default:9080=${detailsLocal}`, '--forward', 'late:7000'], [process.execPath, '-e', CLIENT]);
    client = await until('the client app to start', 45_000, async () => {
      const file = join(home, 'client.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as typeof client) : undefined;
    });
    run('details-v1', ['--port', '9080', '--labels', 'app=details,version=v1', '--service-account', 'bookinfo-details'], [process.execPath, bookinfoAppPath('details')]);
    run('echo-v1', ['--port', '8080', '--labels', 'app=echo,version=v1'], [process.execPath, '-e', ECHO_HTTP, 'v1']);
    run('echo-v2', ['--port', '8080', '--labels', 'app=echo,version=v2'], [process.execPath, '-e', ECHO_HTTP, 'v2']);
    run('tcp-echo', ['--port', '9000'], [process.execPath, '-e', ECHO_TCP]);
  });

  after(async () => {
    for (const r of runs) if (r.exitCode === null && r.signalCode === null) r.kill('SIGTERM');
    await Promise.all(runs.map((r) => (r.exitCode !== null || r.signalCode !== null ? undefined : new Promise((res) => r.once('exit', res)))));
    if (home) cli('down', '--home', home);
    external?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("names the variables as kubelet does, with loopback and the forwards' local ports", () => {
    const env = client.env;
    assert.equal(env.DETAILS_SERVICE_HOST, '127.0.0.1');
    assert.equal(env.DETAILS_SERVICE_PORT, String(detailsLocal), '--forward chose the local port of a namespace service');
    assert.equal(env.DETAILS_SERVICE_PORT_HTTP, String(detailsLocal));
    assert.equal(env.DETAILS_PORT, `tcp://127.0.0.1:${detailsLocal}`);
    assert.equal(env.DETAILS_PORT_9080_TCP_PORT, String(detailsLocal));
    assert.equal(env.PLEXUS_FORWARD_DETAILS_9080, `127.0.0.1:${detailsLocal}`);
    assert.equal(env.PLEXUS_FORWARD_DETAILS_DEFAULT_9080, `127.0.0.1:${detailsLocal}`);
    assert.match(env.ECHO_SERVICE_PORT_HTTP_API ?? '', /^\d+$/);
    assert.equal(env.TCP_ECHO_SERVICE_HOST, '127.0.0.1');
    assert.equal(env.TCP_ECHO_SERVICE_PORT, env.TCP_ECHO_SERVICE_PORT_TCP, 'the first port');
    assert.match(env.TCP_ECHO_SERVICE_PORT_TCP_ALT ?? '', /^\d+$/);
    assert.notEqual(env.TCP_ECHO_SERVICE_PORT_TCP_ALT, env.TCP_ECHO_SERVICE_PORT);
    assert.equal(env.PLEXUS_FORWARD_TCP_ECHO_9000, `127.0.0.1:${env.TCP_ECHO_SERVICE_PORT}`);
    assert.equal(env.EXT_API_SERVICE_HOST, '127.0.0.1', 'a single-host ServiceEntry is named by its name');
    assert.match(env.PLEXUS_FORWARD_EXT_EXAMPLE_TEST_80 ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(env.HEADLESS_SERVICE_HOST, undefined, 'headless services get no variables');
    assert.equal(env.LATE_SERVICE_HOST, undefined);
    assert.match(env.PLEXUS_FORWARD_LATE_7000 ?? '', /^127\.0\.0\.1:\d+$/);
    assert.match(env.HTTP_PROXY ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'the HTTP proxy stays');
  });

  it('reaches details with plain node:http on 127.0.0.1:$DETAILS_SERVICE_PORT, over mTLS', async () => {
    const r = await until('details through the forward', 30_000, async () => {
      const x = await viaClient(client.env.DETAILS_SERVICE_PORT!, '/details/0');
      return x.status === 200 ? x : undefined;
    });
    assert.match(r.body, /"ISBN-10"/);
    // STRICT: the peer's inbound port takes mTLS only, so the forward's success was mTLS.
    assert.equal((await httpGet(`http://127.0.0.1:${record('details-v1').ports[0]}/details/0`, 3000)).status, 0, 'plaintext to the inbound port is refused');
    const args = spawnSync('ps', ['-o', 'args=', '-p', String(record('details-v1').proxyPid)], { encoding: 'utf8' }).stdout;
    const admin = /--admin-port (\d+)/.exec(args)?.[1];
    assert.ok(admin, args);
    const stats = await until('the server sidecar to count the request', 10_000, async () => {
      const s = (await httpGet(`http://127.0.0.1:${admin}/stats/prometheus`, 3000)).body;
      return s.split('\n').some((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"')) ? s : undefined;
    });
    const inbound = stats.split('\n').filter((l) => l.startsWith('istio_requests_total{') && l.includes('reporter="destination"'));
    assert.ok(inbound.every((l) => l.includes('connection_security_policy="mutual_tls"')), inbound.join('\n'));
    // The peer learned who called from the client's certificate.
    assert.ok(inbound.some((l) => l.includes('source_principal="spiffe://cluster.local/ns/default/sa/fwd-client"')), inbound.join('\n'));
  });

  it("also routes http://details:$DETAILS_SERVICE_PORT sent through HTTP_PROXY (the proxy knows the forward's port)", async () => {
    const proxyPort = new URL(client.env.HTTP_PROXY!).port;
    const r = await viaClient(proxyPort, `http://details:${detailsLocal}/details/0`, `details:${detailsLocal}`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /"ISBN-10"/);
  });

  it('applies VirtualService changes to a forward, the authority rewritten to the service', async () => {
    const port = client.env.ECHO_SERVICE_PORT!;
    const seen = new Set<string>();
    let host = '';
    await until('both echo versions', 30_000, async () => {
      const r = await viaClient(port, '/hello');
      if (r.status === 200) {
        const b = JSON.parse(r.body) as { version: string; host: string };
        seen.add(b.version);
        host = b.host;
      }
      return seen.size === 2 ? true : undefined;
    });
    assert.equal(host, 'echo.default.svc.cluster.local:8080');
    apply(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http: [{route: [{destination: {host: echo, subset: v1}, weight: 0}, {destination: {host: echo, subset: v2}, weight: 100}]}]
`);
    let streak = 0;
    await until('only v2 after the VirtualService', 20_000, async () => {
      const r = await viaClient(port, '/hello');
      streak = r.status === 200 && (JSON.parse(r.body) as { version: string }).version === 'v2' ? streak + 1 : 0;
      return streak >= 10 ? true : undefined;
    });
  });

  it('carries raw TCP to a TCP service through its forwards (both ports)', async () => {
    for (const port of [client.env.TCP_ECHO_SERVICE_PORT!, client.env.TCP_ECHO_SERVICE_PORT_TCP_ALT!]) {
      const msg = `ping-${port}-${Date.now()}`;
      await until(`tcp echo on ${port}`, 20_000, async () => {
        const r = await httpGet(`http://127.0.0.1:${client.control}/tcp?port=${port}&msg=${msg}`, 8000);
        return r.status === 200 && (JSON.parse(r.body) as { data: string }).data === msg ? true : undefined;
      });
    }
  });

  it('reaches a ServiceEntry host, which sees its own name as the authority', async () => {
    const port = client.env.PLEXUS_FORWARD_EXT_EXAMPLE_TEST_80!.split(':')[1]!;
    const r = await until('the external service', 20_000, async () => {
      const x = await viaClient(port, '/x');
      return x.status === 200 ? x : undefined;
    });
    assert.deepEqual(JSON.parse(r.body), { host: 'ext.example.test' });
  });

  it('serves a --forward for a service created after the app started, once it exists', async () => {
    const port = client.env.PLEXUS_FORWARD_LATE_7000!.split(':')[1]!;
    assert.equal((await viaClient(port, '/')).status, 0, 'no such service yet: the connection is closed');
    apply(`
apiVersion: v1
kind: Service
metadata: {name: late, namespace: default}
spec: {selector: {app: echo}, ports: [{name: http-api, port: 7000, targetPort: 8080}]}
`);
    const r = await until('the late service', 20_000, async () => {
      const x = await viaClient(port, '/late');
      return x.status === 200 ? x : undefined;
    });
    assert.match(r.body, /"path":"\/late"/);
  });
});
