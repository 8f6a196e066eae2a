import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, makeGenericClientConstructor, status, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';
import { AdsServer } from './ads-server.js';
import { adsServiceDefinition, type ProtoObject } from './protos.js';
import { jsonToStruct } from './struct.js';
import { TYPE_URL } from './type-urls.js';

type Stream = ClientDuplexStream<ProtoObject, ProtoObject>;

describe('StreamAdmission on plaintext ADS', () => {
  let ads: AdsServer;
  let client: Client & { StreamAggregatedResources: () => Stream };

  before(async () => {
    ads = new AdsServer({ logger: pino({ level: 'silent' }), maxPlaintextStreams: 3 });
    const port = await ads.listen('127.0.0.1:0');
    const Ctor = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as never;
  });
  after(async () => {
    client.close();
    await ads.close(100);
  });

  /** Opens a stream, asks for clusters; resolves 'served' on a response or the error code. */
  const open = (n: number): { stream: Stream; outcome: Promise<'served' | status> } => {
    const stream = client.StreamAggregatedResources();
    const outcome = new Promise<'served' | status>((resolve) => {
      stream.once('data', () => resolve('served'));
      stream.on('error', (e: ServiceError) => resolve(e.code));
    });
    stream.write({ node: { id: `sidecar~127.0.0.${n}~p${n}.default~default.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: 'default' }) }, type_url: TYPE_URL.cluster });
    return { stream, outcome };
  };

  it('serves up to the cap, refuses beyond it with RESOURCE_EXHAUSTED, and admits again once a stream ends', async () => {
    const first = [1, 2, 3].map(open);
    assert.deepEqual(await Promise.all(first.map((s) => s.outcome)), ['served', 'served', 'served']);
    const extra = [4, 5].map(open);
    assert.deepEqual(await Promise.all(extra.map((s) => s.outcome)), [status.RESOURCE_EXHAUSTED, status.RESOURCE_EXHAUSTED]);
    assert.equal(ads.plaintextStreams.active, 3);
    first[0]!.stream.cancel();
    const end = Date.now() + 2000;
    const active = (): number => ads.plaintextStreams.active;
    while (active() !== 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    assert.equal(active(), 2);
    const again = open(6);
    assert.equal(await again.outcome, 'served');
    for (const s of [...first, again]) s.stream.cancel();
  });

  it('frees the slot of a stream the server refuses (a registration on plaintext)', async () => {
    const active = (): number => ads.plaintextStreams.active;
    const end = Date.now() + 2000;
    while (active() !== 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 5; i++) {
      const stream = client.StreamAggregatedResources();
      const code = new Promise<status>((resolve) => stream.on('error', (e: ServiceError) => resolve(e.code)));
      stream.write({ node: { id: `sidecar~198.18.100.${i}~vm.default~default.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: 'default', AUTO_REGISTER_GROUP: 'vm', INSTANCE_IPS: `198.18.100.${i}` }) }, type_url: TYPE_URL.cluster });
      assert.equal(await code, status.PERMISSION_DENIED);
    }
    assert.equal(active(), 0);
  });

  it('caps streams that have not sent their first request, and counts them out once it arrives', async () => {
    const small = new AdsServer({ logger: pino({ level: 'silent' }), maxPlaintextStreams: 10, maxPendingPlaintextStreams: 2 });
    const port = await small.listen('127.0.0.1:0');
    const Ctor = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    const c = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as never as Client & { StreamAggregatedResources: () => Stream };
    try {
      const silent = [c.StreamAggregatedResources(), c.StreamAggregatedResources()];
      for (const s of silent) s.on('error', () => undefined);
      const end = Date.now() + 2000;
      const pending = (): number => small.plaintextStreams.waitingForFirstRequest;
      while (pending() !== 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      assert.equal(pending(), 2);
      const third = c.StreamAggregatedResources();
      const refused = await new Promise<status>((resolve) => third.on('error', (e: ServiceError) => resolve(e.code)));
      assert.equal(refused, status.RESOURCE_EXHAUSTED);
      // One of the silent streams speaks: it no longer counts as pending, and a new stream gets in.
      const answered = new Promise((resolve) => silent[0]!.once('data', resolve));
      silent[0]!.write({ node: { id: 'sidecar~127.0.0.9~p9.default~default.svc.cluster.local', metadata: jsonToStruct({ NAMESPACE: 'default' }) }, type_url: TYPE_URL.cluster });
      await answered;
      assert.equal(pending(), 1);
      const fourth = c.StreamAggregatedResources();
      fourth.on('error', () => undefined);
      while (pending() !== 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      assert.equal(pending(), 2);
      for (const s of [...silent, fourth]) s.cancel();
    } finally {
      c.close();
      await small.close(100);
    }
  });
});
