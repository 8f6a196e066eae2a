// The upstream applications of the proxy end-to-end tests, run inside a server pod as an
// ordinary (captured) workload: HTTP/1.1, h2c, gRPC, raw TCP with half-close and a TLS server.
// Usage: node proxy-e2e-apps.js '{"name":"v1","tlsKey":"…","tlsCert":"…"}'; prints READY.
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { APP_PORTS, ECHO_SERVICE } from './proxy-e2e-echo-service.js';

interface AppArgs {
  readonly name: string;
  readonly tlsKey: string;
  readonly tlsCert: string;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The HTTP/1.1 echo: JSON of what arrived, plus a few behaviours the tests ask for by path. */
function httpApp(name: string): http.Server {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      // `?fail=v2` makes only that instance answer 503 (retries, outlier detection).
      const status = url.searchParams.get('fail') === name ? 503 : Number(url.searchParams.get('status') ?? 200);
      const delay = Number(url.searchParams.get('delay') ?? 0);
      const send = (): void => {
        if (res.destroyed) return;
        const body = Buffer.from(JSON.stringify({ instance: name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
        if (url.pathname === '/chunked') {
          // No content-length: Node sends chunked; three chunks with a pause prove streaming.
          res.writeHead(status, { 'content-type': 'text/plain', 'x-instance': name });
          res.write('one,');
          setTimeout(() => { res.write('two,'); setTimeout(() => res.end('three'), 20); }, 20);
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, 'x-instance': name, 'x-app-header': 'set-by-app' });
        res.end(body);
      };
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  // WebSocket: a real handshake, then the connection echoes bytes (enough to prove the tunnel).
  server.on('upgrade', (req, socket) => {
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nx-instance: ${name}\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(d));
    socket.on('end', () => socket.end());
    socket.on('error', () => socket.destroy());
  });
  server.keepAliveTimeout = 120_000;
  return server;
}

/** h2c: echoes the request body, sends trailers. */
function h2cApp(name: string): http2.Http2Server {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-instance': name }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'done' }));
      stream.end(JSON.stringify({ instance: name, path: headers[':path'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    stream.on('error', () => undefined);
  });
  return server;
}

/** The gRPC echo: `Say` answers `<instance>:<request>`, `Fail` answers NOT_FOUND. */
async function grpcApp(name: string): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(ECHO_SERVICE, {
    Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const md = new grpc.Metadata();
      md.set('x-instance', name);
      call.sendMetadata(md);
      cb(null, Buffer.from(`${name}:${call.request.toString('utf8')}`));
    },
    Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      cb({ code: grpc.status.NOT_FOUND, details: `nothing here (${name})` });
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`0.0.0.0:${APP_PORTS.grpc}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return server;
}

/** Raw TCP: echoes bytes; after the client's FIN it answers `bye:<n>` and closes (half-close). */
function tcpApp(name: string): TcpServer {
  return createTcpServer({ allowHalfOpen: true }, (socket) => {
    let n = 0;
    socket.on('data', (d: Buffer) => {
      n += d.length;
      socket.write(d);
    });
    socket.on('end', () => socket.end(`bye:${name}:${n}`));
    socket.on('error', () => socket.destroy());
  });
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; once(e: 'error', cb: (err: Error) => void): unknown }, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as AppArgs;
  await listen(httpApp(args.name), APP_PORTS.http);
  await listen(h2cApp(args.name), APP_PORTS.h2c);
  await grpcApp(args.name);
  await listen(tcpApp(args.name), APP_PORTS.tcp);
  const tls = createTlsServer({ key: args.tlsKey, cert: args.tlsCert }, (socket) => {
    socket.end(`tls:${args.name}:${socket.servername ?? ''}\n`);
    socket.on('error', () => socket.destroy());
  });
  await listen(tls, APP_PORTS.tls);
  process.stdout.write('READY\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
