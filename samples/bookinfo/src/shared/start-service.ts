import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './http-replies.js';
import type { ServiceEnv } from './service-env.js';

/** A request handler; a thrown error or rejected promise becomes a JSON 500. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** A running service. */
export interface RunningService {
  readonly server: Server;
  readonly port: number;
  /** Stops accepting, drops idle connections and resolves once the server is closed. */
  close(): Promise<void>;
}

/** Writes a debug line on stderr (stdout carries only the "listening on" line). */
export function debugLog(name: string, line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${name} ${line}\n`);
}

/**
 * Starts `handler` on the configured address. It prints `<name> listening on HOST:PORT` on
 * stdout once bound, so that a supervisor (or a test) started with `PORT=0` learns the port.
 * Nothing else is logged per request unless `DEBUG` is set.
 */
export async function startService(name: string, env: ServiceEnv, handler: RequestHandler): Promise<RunningService> {
  const server = createServer((req, res) => {
    const started = Date.now();
    if (env.debug) res.on('finish', () => debugLog(name, `${req.method} ${req.url} -> ${res.statusCode} ${Date.now() - started} ms`));
    // The Host header may be anything (a mesh name, a gateway's); only the path matters here.
    const url = new URL(req.url ?? '/', 'http://localhost');
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((err: unknown) => {
        if (env.debug) debugLog(name, `handler failed: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.port, env.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  process.stdout.write(`${name} ${env.version} listening on ${address}:${port}\n`);
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** Exits cleanly on SIGTERM/SIGINT so that `plexus run` and tests can stop the service promptly. */
export function stopOnSignals(service: RunningService, cleanup: () => Promise<void> = async () => {}): void {
  const stop = (): void => {
    // A second signal, or connections that will not drain, must not keep the process alive.
    setTimeout(() => process.exit(0), 2_000).unref();
    service.server.closeAllConnections();
    void Promise.all([service.close(), cleanup()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
