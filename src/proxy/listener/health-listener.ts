import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/**
 * Istio's readiness port (15021): `GET /healthz/ready` answers 200 once the proxy serves its
 * first configuration and 503 before that or while draining. Kubernetes probes and `plexus run`
 * poll it.
 */
export class HealthListener {
  private server: Server | undefined;

  constructor(private readonly isReady: () => boolean, private readonly logger: Logger) {}

  /** Binds host:port (port 0 picks a free one); resolves the bound port. */
  async start(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (path !== '/healthz/ready') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const ready = this.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'LIVE\n' : 'NOT READY\n');
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = (server.address() as AddressInfo).port;
    this.logger.info({ port: bound }, 'readiness endpoint listening');
    return bound;
  }

  /** Stops answering. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
