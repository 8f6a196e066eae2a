import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started loopback HTTP server: its bound port and a way to stop it. */
export interface RunningHttpServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Binds a small HTTP server (admin, stats, agent) on host:port (port 0 picks one) and resolves
 * once it listens. Handler errors answer 500 instead of reaching the process.
 */
export async function listenHttp(
  host: string,
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  onError: (err: unknown) => void,
): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handle(req, res))
      .catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  // Scrapers keep connections open; a short keep-alive lets close() finish promptly.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a complete response. */
export function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/** Parses path and query of a request URL. */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://admin.local');
}
