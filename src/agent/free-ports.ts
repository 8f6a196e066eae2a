import { createServer, type Server } from 'node:net';

/**
 * `count` distinct free TCP ports on `host`, picked by the kernel (bind to port 0). All are held
 * open until every one is picked, so they differ; another process may still take one before
 * its user binds it, a window explicit mode accepts (the sidecar then fails and says so).
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: 0, exclusive: true }, resolve);
      });
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no port was assigned');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}
