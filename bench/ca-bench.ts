// CSR signing through the real gRPC CA service on loopback: 1,000 CreateCertificate calls with a
// token and a fresh P-256 CSR each, once one at a time (latency) and once 32 in flight
// (throughput). Prints a table and writes bench/results/ca-latest.json. Never fails on time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { addCaService } from '../src/ca/ca-service.js';
import { istioCertificateService, packageRoot, type IstioCertificateResponse } from '../src/ca/ca-proto.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const quiet = pino({ level: 'silent' });

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function run(client: grpc.Client & Record<string, CallableFunction>, csrs: string[], token: string, concurrency: number): Promise<{ concurrency: number; requests: number; seconds: number; csrsPerSecond: number; p50Ms: number; p99Ms: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  const one = (csr: string): Promise<void> => new Promise((resolve) => {
    const t0 = performance.now();
    client.CreateCertificate({ csr, validity_duration: '0' }, md, (err: grpc.ServiceError | null, res: IstioCertificateResponse) => {
      if (err || res.cert_chain.length < 2) failed++;
      else latencies.push(performance.now() - t0);
      resolve();
    });
  });
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < csrs.length) await one(csrs[next++]);
  }));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { concurrency, requests: csrs.length, seconds, csrsPerSecond: latencies.length / seconds, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99), failed };
}

const ca = await CertificateAuthority.open({ logger: quiet });
const server = new grpc.Server();
addCaService(server, ca, { logger: quiet });
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
const Service = istioCertificateService();
const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, CallableFunction>;
const token = ca.mintWorkloadToken({ namespace: 'bench', serviceAccount: 'client', ttl: 3600 });

const csrs = async (): Promise<string[]> => Promise.all(Array.from({ length: REQUESTS }, async () => (await createKeyAndCsr('ec-p256')).csrPem));
await run(client, (await csrs()).slice(0, 50), token, 4); // warm-up: JIT, connection
const results = [await run(client, await csrs(), token, 1), await run(client, await csrs(), token, 32)];
client.close();
server.forceShutdown();

console.log(`CA CreateCertificate over gRPC on loopback, ${REQUESTS} requests, P-256 root and CSRs`);
console.log('in flight   CSRs/s   p50 ms   p99 ms   failed');
for (const r of results) console.log(`${String(r.concurrency).padStart(9)}  ${r.csrsPerSecond.toFixed(0).padStart(7)}  ${r.p50Ms.toFixed(2).padStart(7)}  ${r.p99Ms.toFixed(2).padStart(7)}  ${String(r.failed).padStart(7)}`);

const out = join(packageRoot(), 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'ca-latest.json'), `${JSON.stringify({ benchmark: 'ca-create-certificate', date: new Date().toISOString(), node: process.version, keyAlgorithm: 'ec-p256', results }, null, 2)}\n`);
