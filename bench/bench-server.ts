/**
 * The benchmark's upstream: a minimal Node HTTP/1.1 server answering every request with 1 KiB,
 * run as its own process so its CPU does not mix with the proxies' or the load generator's.
 * Usage: node bench-server.js [port]; prints `listening <port>` once bound.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.alloc(1024, 'x');
const server = http.createServer((req, res) => {
  // Drain any request body before answering so keep-alive stays usable.
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
