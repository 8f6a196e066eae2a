// gRPC through the HttpConnectionManager and the real UpstreamManager (h2c upstream): a real
// @grpc/grpc-js server and client on each side, so grpc-status, grpc-message and trailing
// metadata must come through in the upstream's HTTP/2 trailers for the client to see them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  makeGenericClientConstructor,
  status,
  type Client,
  type ClientReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { cluster, hcmConfig, route, routeConfig, startProxy, vhost, type TestProxy } from './proxy-http-support.js';

interface BookRequest {
  id?: string;
  count?: number;
  failAfter?: number;
}
interface Book {
  id: string;
  title: string;
}

const json = {
  serialize: (v: unknown): Buffer => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer): never => JSON.parse(b.toString('utf8')) as never,
};
const method = (name: string, responseStream: boolean) => ({
  path: `/plexus.test.Books/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});

/** `plexus.test.Books`: a unary Get and a server-streaming List, JSON on the wire. */
const BOOKS: ServiceDefinition = { Get: method('Get', false), List: method('List', true) };
const BooksClient = makeGenericClientConstructor(BOOKS, 'Books');

interface BooksStub extends Client {
  Get(req: BookRequest, cb: (err: ServiceError | null, res?: Book) => void): void;
  List(req: BookRequest): ClientReadableStream<Book>;
}

const SHELF: Readonly<Record<string, string>> = { '1': 'Dune' };
// Non-ASCII and reserved characters: grpc-message is percent-encoded on the wire.
const NOT_FOUND_MESSAGE = (id: string): string => `book "${id}" not found — try 1/2% later`;

async function startBooksServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = new Server();
  server.addService(BOOKS, {
    Get: (call: ServerUnaryCall<BookRequest, Book>, cb: sendUnaryData<Book>) => {
      const id = call.request.id ?? '';
      const title = SHELF[id];
      const trailer = new Metadata();
      trailer.set('x-shelf', 'main');
      if (title === undefined) return cb({ code: status.NOT_FOUND, details: NOT_FOUND_MESSAGE(id), metadata: trailer });
      cb(null, { id, title }, trailer);
    },
    List: (call: ServerWritableStream<BookRequest, Book>) => {
      const count = call.request.count ?? 0;
      const failAfter = call.request.failAfter;
      for (let i = 0; i < count; i++) {
        if (failAfter !== undefined && i === failAfter) {
          call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: `stopped after ${i} books` });
          return;
        }
        call.write({ id: String(i), title: `book ${i} ${'x'.repeat(i * 100)}` });
      }
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

function get(client: BooksStub, id: string): Promise<{ err: ServiceError | null; res?: Book }> {
  return new Promise((resolve) => client.Get({ id }, (err, res) => resolve({ err, res })));
}

function list(client: BooksStub, req: BookRequest): Promise<{ books: Book[]; err?: ServiceError; status: { code: number; details: string } }> {
  return new Promise((resolve) => {
    const books: Book[] = [];
    let err: ServiceError | undefined;
    const call = client.List(req);
    call.on('data', (b: Book) => books.push(b));
    call.on('error', (e: ServiceError) => (err = e));
    call.on('status', (s: { code: number; details: string }) => setImmediate(() => resolve({ books, err, status: s })));
  });
}

describe('gRPC through the HttpConnectionManager and the real UpstreamManager', () => {
  let upstream: Awaited<ReturnType<typeof startBooksServer>>;
  let proxy: TestProxy;
  let client: BooksStub;
  before(async () => {
    upstream = await startBooksServer();
    const rc = routeConfig([vhost('books', ['*'], [route({ path: { kind: 'prefix', value: '/plexus.test.Books/' }, grpc: true }, { cluster: 'books' })])]);
    proxy = await startProxy(hcmConfig(rc), [cluster('books', [upstream.port], { http2: true })]);
    client = new BooksClient(`127.0.0.1:${proxy.port}`, credentials.createInsecure()) as unknown as BooksStub;
  });
  after(async () => {
    client.close();
    await proxy.close();
    await upstream.close();
  });

  it('a successful unary call sees OK, the reply and trailing metadata', async () => {
    const n = proxy.records.length;
    const { err, res } = await get(client, '1');
    assert.equal(err, null);
    assert.deepEqual(res, { id: '1', title: 'Dune' });
    const record = await proxy.record(n);
    assert.equal(record.grpcStatus, status.OK);
    assert.equal(record.status, 200);
    assert.equal(record.upstreamHost, `127.0.0.1:${upstream.port}`);
  });

  it('a non-OK status in the trailers reaches the client: NOT_FOUND with its message and metadata', async () => {
    const n = proxy.records.length;
    const { err, res } = await get(client, '42');
    assert.equal(res, undefined);
    assert.ok(err);
    assert.equal(err.code, status.NOT_FOUND, err.details);
    assert.equal(err.details, NOT_FOUND_MESSAGE('42'));
    assert.deepEqual(err.metadata.get('x-shelf'), ['main']);
    // The upstream answered (200 + trailers), so this is not a local reply.
    const record = await proxy.record(n);
    assert.equal(record.grpcStatus, status.NOT_FOUND);
    assert.equal(record.responseCodeDetails, 'via_upstream');
    assert.equal(record.flags.size, 0);
  });

  it('server streaming: every message, in order, then OK', async () => {
    const { books, err, status: st } = await list(client, { count: 25 });
    assert.equal(err, undefined);
    assert.equal(st.code, status.OK);
    assert.deepEqual(
      books.map((b) => b.id),
      Array.from({ length: 25 }, (_, i) => String(i)),
    );
    assert.equal(books[24].title.length, 'book 24 '.length + 2400);
  });

  it('server streaming that fails midway: the messages sent, then the error status from the trailers', async () => {
    const { books, err, status: st } = await list(client, { count: 10, failAfter: 4 });
    assert.deepEqual(
      books.map((b) => b.id),
      ['0', '1', '2', '3'],
    );
    assert.equal(st.code, status.RESOURCE_EXHAUSTED);
    assert.equal(err?.code, status.RESOURCE_EXHAUSTED);
    assert.equal(err?.details, 'stopped after 4 books');
  });

  it('unary and streaming calls multiplexed concurrently over the proxy', async () => {
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => get(client, i % 2 === 0 ? '1' : `missing-${i}`)),
      ...Array.from({ length: 5 }, () => list(client, { count: 7 })),
    ]);
    for (let i = 0; i < 10; i++) {
      const r = results[i] as { err: ServiceError | null };
      if (i % 2 === 0) assert.equal(r.err, null);
      else assert.equal(r.err?.code, status.NOT_FOUND);
    }
    for (const r of results.slice(10) as { books: Book[]; status: { code: number } }[]) {
      assert.equal(r.status.code, status.OK);
      assert.equal(r.books.length, 7);
    }
  });
});
