// Hardening, CA and stream floods: the attack of issue 9 — a hundred concurrent unauthenticated 15 MiB CSRs
// (which took the controller from 87 MB to 3.1 GB) — against a real `plexus controller`, on
// 15010 and 15012. Every call must be refused on its headers (UNAUTHENTICATED) before the
// controller reads the request, an authenticated one that large must hit the 4 MiB receive
// limit (RESOURCE_EXHAUSTED), the controller's peak RSS (VmHWM) must stay bounded, and a
// normal CSR must still be signed afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { AdminClient } from '../src/cli/admin-client.js';
import { CREATE_CERTIFICATE_PATH } from '../src/ca/ca-proto.js';
import { issue } from './identity-support.js';
import { peakRssBytes, resetPeakRss } from './support/peak-rss.js';
import { ControllerProcess } from './support/controller-process.js';
import { TYPE_URL } from '../src/xds/type-urls.js';
import { AdsTestClient, testNode } from './support/ads-test-client.js';
import { rawSession, rawUnaryCall, type RawCallResult } from './support/raw-grpc-call.js';

const MIB = 1024 * 1024;
const CSR_BYTES = 15 * MIB;
const ATTACKS_PER_PORT = 50;
/** Head room over the baseline peak: the 100 refusals and their sessions, far below the 1.5 GB the payloads weigh. */
const MAX_GROWTH_BYTES = 150 * MIB;
const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';


describe('hardening: CSR size and unauthenticated CSR floods', { timeout: 180_000 }, () => {
  let dir: string;
  let home: string;
  let controller: ControllerProcess;
  let rootsPem: string;
  let token: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-harden-ca-'));
    home = join(dir, 'home');
    controller = await ControllerProcess.start(home);
    token = (await AdminClient.connect(home).mintToken({ namespace: 'default', serviceAccount: 'app', ttl: 600 })).token;
    // One legitimate CSR first, so the baseline includes the signing path.
    rootsPem = (await issue({ address: `127.0.0.1:${controller.ports.xds}` }, { token })).rootsPem;
  });
  after(async () => {
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`refuses ${2 * ATTACKS_PER_PORT} concurrent unauthenticated 15 MiB CSRs on their headers; the controller's peak RSS stays bounded`, async (t) => {
    const pid = controller.child.pid!;
    const baseline = resetPeakRss(pid);
    const body = Buffer.alloc(CSR_BYTES, 0x41);
    const plain = rawSession(`http://127.0.0.1:${controller.ports.xds}`);
    const tls = rawSession(`https://127.0.0.1:${controller.ports['xds-tls']}`, { ca: rootsPem, servername: 'localhost' });
    try {
      const calls: Array<Promise<RawCallResult>> = [];
      for (let i = 0; i < ATTACKS_PER_PORT; i++) {
        calls.push(rawUnaryCall(plain, CREATE_CERTIFICATE_PATH, body));
        // A forged token on the TLS port, without a client certificate.
        calls.push(rawUnaryCall(tls, CREATE_CERTIFICATE_PATH, body, { authorization: 'Bearer e30.e30.AAAA' }));
      }
      const results = await Promise.all(calls);
      const codes = results.map((r) => r.code);
      assert.equal(codes.filter((c) => c === status.UNAUTHENTICATED).length, 2 * ATTACKS_PER_PORT, JSON.stringify(results.slice(0, 4)));
      // Refused before reading: none of the requests was taken whole.
      assert.equal(results.filter((r) => r.sent >= CSR_BYTES).length, 0, `bytes taken: ${results.map((r) => r.sent).slice(0, 5).join(',')}`);
      assert.match(results[0]!.message, /no bearer token/);
      assert.match(results[1]!.message, /bearer token/);
    } finally {
      plain.close();
      tls.close();
    }
    const growth = peakRssBytes(pid) - baseline;
    t.diagnostic(`peak RSS +${Math.round(growth / MIB)} MiB over ${Math.round(baseline / MIB)} MiB`);
    assert.ok(growth < MAX_GROWTH_BYTES, `the controller's peak RSS grew by ${Math.round(growth / MIB)} MiB (baseline ${Math.round(baseline / MIB)} MiB)`);
  });

  it('refuses authenticated CSRs over the receive limit (1 MiB on 15010, 4 MiB on 15012) from their length prefix, and bounded in memory', async (t) => {
    const pid = controller.child.pid!;
    const baseline = resetPeakRss(pid);
    const body = Buffer.alloc(CSR_BYTES, 0x41);
    const plain = rawSession(`http://127.0.0.1:${controller.ports.xds}`);
    const tls = rawSession(`https://127.0.0.1:${controller.ports['xds-tls']}`, { ca: rootsPem, servername: 'localhost' });
    try {
      const auth = { authorization: `Bearer ${token}` };
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => rawUnaryCall(plain, CREATE_CERTIFICATE_PATH, body, auth)),
        ...Array.from({ length: 20 }, () => rawUnaryCall(tls, CREATE_CERTIFICATE_PATH, body, auth)),
      ]);
      assert.deepEqual([...new Set(results.map((r) => r.code))], [status.RESOURCE_EXHAUSTED], JSON.stringify(results.slice(0, 2)));
      assert.match(results[0]!.message, /larger than max \(\d+ vs 1048576\)/);
      assert.match(results[20]!.message, /larger than max \(\d+ vs 4194304\)/);
    } finally {
      plain.close();
      tls.close();
    }
    const growth = peakRssBytes(pid) - baseline;
    t.diagnostic(`peak RSS +${Math.round(growth / MIB)} MiB over ${Math.round(baseline / MIB)} MiB`);
    assert.ok(growth < MAX_GROWTH_BYTES, `the controller's peak RSS grew by ${Math.round(growth / MIB)} MiB`);
  });

  it('bounds floods of unauthenticated ADS streams: refused on 15012 as they open; on 15010 over 1 MiB from the length prefix, and at most 64 first requests read at once', async (t) => {
    const pid = controller.child.pid!;
    const baseline = resetPeakRss(pid);
    const big = Buffer.alloc(Math.floor(3.9 * MIB), 0x41);
    const underLimit = Buffer.alloc(Math.floor(0.95 * MIB), 0x41);
    const tls = rawSession(`https://127.0.0.1:${controller.ports['xds-tls']}`, { ca: rootsPem, servername: 'localhost' });
    // One connection per flood: each carries its 100 streams (the servers' per-connection limit).
    const plain = rawSession(`http://127.0.0.1:${controller.ports.xds}`);
    const plain2 = rawSession(`http://127.0.0.1:${controller.ports.xds}`);
    try {
      const [onTls, bigOnPlain, smallOnPlain] = await Promise.all([
        Promise.all(Array.from({ length: 100 }, () => rawUnaryCall(tls, ADS_PATH, big))),
        Promise.all(Array.from({ length: 100 }, () => rawUnaryCall(plain, ADS_PATH, big))),
        Promise.all(Array.from({ length: 100 }, () => rawUnaryCall(plain2, ADS_PATH, underLimit))),
      ]);
      // 15012: no client certificate, refused as the stream opens, before the request is read.
      assert.deepEqual([...new Set(onTls.map((r) => r.code))], [status.UNAUTHENTICATED]);
      assert.equal(onTls.filter((r) => r.sent >= big.length).length, 0);
      // 15010: over its 1 MiB limit, refused from the length prefix.
      assert.deepEqual([...new Set(bigOnPlain.map((r) => r.code))], [status.RESOURCE_EXHAUSTED]);
      // Under it: read (then refused: no node) at most 64 at a time; the rest refused on their headers.
      const codes = smallOnPlain.map((r) => r.code);
      assert.equal(codes.filter((c) => c === status.INVALID_ARGUMENT || c === status.RESOURCE_EXHAUSTED).length, 100, JSON.stringify(smallOnPlain.slice(0, 3)));
      assert.ok(codes.filter((c) => c === status.INVALID_ARGUMENT).length <= 64);
    } finally {
      tls.close();
      plain.close();
      plain2.close();
    }
    const growth = peakRssBytes(pid) - baseline;
    t.diagnostic(`peak RSS +${Math.round(growth / MIB)} MiB over ${Math.round(baseline / MIB)} MiB`);
    assert.ok(growth < MAX_GROWTH_BYTES, `the controller's peak RSS grew by ${Math.round(growth / MIB)} MiB`);
    // A proxy still connects on 15010 afterwards.
    const client = new AdsTestClient(controller.ports.xds!);
    try {
      const s = client.sotw();
      s.send({ node: testNode('sidecar~127.0.0.1~after.default~default.svc.cluster.local'), type_url: TYPE_URL.cluster });
      assert.equal((await s.next()).type_url, TYPE_URL.cluster);
      s.close();
    } finally {
      client.close();
    }
  });

  it('still signs a normal CSR on both ports after the floods, and counts the refusals', async () => {
    const viaPlain = await issue({ address: `127.0.0.1:${controller.ports.xds}` }, { token });
    assert.equal(viaPlain.chain.length >= 2, true);
    const viaTls = await issue({ address: `127.0.0.1:${controller.ports['xds-tls']}`, tlsRootPem: rootsPem, serverName: 'localhost' }, { token });
    assert.equal(viaTls.chain.length >= 2, true);
    const metrics = (await controller.monitoring('/metrics')).text;
    const refused = /plexus_ca_csr_errors_total\{reason="no-credentials"\} (\d+)/.exec(metrics);
    assert.ok(refused && Number(refused[1]) >= ATTACKS_PER_PORT, metrics.split('\n').filter((l) => l.includes('csr')).join('\n'));
  });
});
