// `npm run bench:controller`: the controller (in this process, with its real store, xDS and
// monitoring components) holding 1,000 services × 2 endpoints, and 1,000 simulated proxies in
// a separate process over several gRPC channels. Waits until all are synced, applies one
// VirtualService change every proxy watches, and measures the time until every proxy has
// received and ACKed it. Prints a table with targets, writes bench/results/controller-latest.json.
// Never fails on time.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Resource } from '../src/api/resource.js';
import { startController } from '../src/cli/controller-runtime.js';
import { xdsComponent } from '../src/cli/controller-xds.js';
import type { ClientPlan, ClientReport } from './controller-bench-clients.js';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000);
const GRPC_CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const SIDECAR_CLIENTS = Number(process.env.BENCH_SIDECARS ?? 5);
const CHANNELS = 8;
const NS = 'bench';
const NET = 'networking.istio.io/v1';

const svc = (i: number): string => `svc-${String(i).padStart(4, '0')}`;
const fqdn = (name: string): string => `${name}.${NS}.svc.cluster.local`;

function serviceObjects(name: string, index: number): Resource[] {
  const objs: Resource[] = [{ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } }];
  for (let e = 0; e < 2; e++) {
    const n = index * 2 + e;
    objs.push({ apiVersion: NET, kind: 'WorkloadEntry', metadata: { name: `${name}-${e}`, namespace: NS }, spec: { address: `198.18.${(n >> 8) & 255}.${n & 255}`, labels: { app: name }, ports: { http: 8080 } } });
  }
  return objs;
}

const sharedVs = (timeout: string): Resource => ({
  apiVersion: NET, kind: 'VirtualService', metadata: { name: 'shared', namespace: NS },
  spec: { hosts: ['shared'], http: [{ route: [{ destination: { host: 'shared' } }], timeout }] },
});

function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

const home = mkdtempSync(join(tmpdir(), 'plexus-bench-controller-'));
const logger = pino({ level: process.env.PLEXUS_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const running = await startController({ home, adminPort: 0, xdsPort: 0, xdsTlsPort: 0, monitoringPort: 0, logger }, [xdsComponent()]);
const clients = fork(new URL('./controller-bench-clients.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
try {
  const objects = [sharedVs('5s'), ...serviceObjects('shared', 60_000)];
  for (let i = 0; i < SERVICES; i++) objects.push(...serviceObjects(svc(i), i));
  for (const o of objects) {
    const r = await running.store.apply(o);
    if (r.outcome === 'invalid' || r.outcome === 'conflict') throw new Error(`apply ${o.kind} ${o.metadata.name}: ${JSON.stringify(r)}`);
  }
  const applyS = (Date.now() - t0) / 1000;
  process.stdout.write(`applied ${objects.length} objects through the store in ${applyS.toFixed(1)} s; connecting ${GRPC_CLIENTS} proxyless + ${SIDECAR_CLIENTS} sidecar clients over ${CHANNELS} channels\n`);

  const reports: ClientReport[] = [];
  let wake: (() => void) | undefined;
  clients.on('message', (m: ClientReport) => {
    if (m.kind === 'error') process.stderr.write(`client error: ${m.message}\n`);
    reports.push(m);
    wake?.();
  });
  const waitFor = (kind: ClientReport['kind'], timeoutMs: number): Promise<ClientReport | undefined> => new Promise((resolve) => {
    const timer = setTimeout(() => { wake = undefined; resolve(undefined); }, timeoutMs);
    const check = (): void => {
      const found = reports.find((r) => r.kind === kind);
      if (found) {
        clearTimeout(timer);
        wake = undefined;
        resolve(found);
      }
    };
    wake = check;
    check();
  });

  const cpuRun0 = process.cpuUsage();
  const plan: ClientPlan = { port: running.ports.xds!, grpcClients: GRPC_CLIENTS, sidecarClients: SIDECAR_CLIENTS, channels: CHANNELS, services: Array.from({ length: SERVICES }, (_, i) => fqdn(svc(i))), shared: fqdn('shared') };
  const connectStart = Date.now();
  clients.send(plan);
  const synced = await waitFor('synced', 120_000);
  const syncS = (Date.now() - connectStart) / 1000;
  if (!synced) throw new Error('not every client synced within 120 s');
  // Let the initial pushes settle before the change.
  await new Promise((r) => setTimeout(r, 500));
  const monitoring = `http://127.0.0.1:${running.ports.monitoring}`;
  const bytesBefore = metricSum(await (await fetch(`${monitoring}/metrics`)).text(), 'plexus_xds_pushed_bytes_total');
  clients.send({ kind: 'watch' });
  await new Promise((r) => setTimeout(r, 100));

  const changeAt = Date.now();
  await running.store.apply(sharedVs('6s'));
  const changed = await waitFor('changed', 60_000);
  const fanoutS = changed && changed.kind === 'changed' ? (changed.lastAckAt - changeAt) / 1000 : Number.NaN;
  const metrics = await (await fetch(`${monitoring}/metrics`)).text();
  const bytes = metricSum(metrics, 'plexus_xds_pushed_bytes_total');
  const cpuRun = process.cpuUsage(cpuRun0);
  const cpuAll = process.cpuUsage(cpu0);
  const result = {
    fanout_s: Number(fanoutS.toFixed(3)),
    rss_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    cpu_s: Number(((cpuRun.user + cpuRun.system) / 1e6).toFixed(2)),
    cpu_with_store_load_s: Number(((cpuAll.user + cpuAll.system) / 1e6).toFixed(2)),
    bytes,
    change_bytes: bytes - bytesBefore,
    services: SERVICES + 1,
    endpoints: (SERVICES + 1) * 2,
    grpc_clients: GRPC_CLIENTS,
    sidecar_clients: SIDECAR_CLIENTS,
    channels: CHANNELS,
    initial_sync_s: Number(syncS.toFixed(2)),
    store_apply_s: Number(applyS.toFixed(2)),
    pushes: metricSum(metrics, 'pilot_xds_pushes'),
    debounce_ms: 100,
    node: process.version,
    date: new Date().toISOString(),
  };
  const rows: Array<[string, string, string]> = [
    ['fanout_s (change → every client ACKed)', result.fanout_s.toFixed(3), '< 2 s'],
    ['rss_mb (controller)', String(result.rss_mb), '< 1024'],
    ['cpu_s (controller, connect → change ACKed)', result.cpu_s.toFixed(2), ''],
    ['cpu_with_store_load_s (incl. applying the objects)', result.cpu_with_store_load_s.toFixed(2), ''],
    ['bytes (pushed, whole run)', String(result.bytes), ''],
    ['change_bytes (pushed for the change)', String(result.change_bytes), ''],
    ['initial_sync_s (connect → all synced)', result.initial_sync_s.toFixed(2), ''],
    ['store_apply_s (3,000+ objects, fsynced)', result.store_apply_s.toFixed(2), ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\n${'metric'.padEnd(w)}  ${'value'.padStart(12)}  target\n${rows.map(([a, b, c]) => `${a.padEnd(w)}  ${b.padStart(12)}  ${c}`).join('\n')}\n`);
  // dist/bench/… → write next to the sources (bench/results), as config-bench does.
  const dir = new URL('../../bench/results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'controller-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote ${join(dir, 'controller-latest.json')}\n`);
} finally {
  clients.kill('SIGKILL');
  await running.stop();
  rmSync(home, { recursive: true, force: true });
}
