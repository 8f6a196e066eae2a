/** The HAProxy pair: client-side and server-side HAProxy with mTLS between them, like two sidecars. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCerts } from './bench-certs.js';
import { freePort, startChild, waitForPort, type Child } from './bench-process.js';

/** A running pair of proxies: where the load goes in, and the processes to measure. */
export interface ProxyPair {
  readonly entryPort: number;
  /** The Host header the load must carry (an explicit-mode sidecar routes by it); none: any. */
  readonly host?: string;
  /** What was checked about the pair before measuring (reported with the results). */
  readonly verified?: string;
  readonly processes: readonly Child[];
  stop(): Promise<void>;
}

const DEFAULTS = `defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
`;

/**
 * One thread each (the Plexus proxy is one event loop per process), keep-alive on both hops,
 * TLS 1.3 with client certificates verified against the bench root on the middle hop.
 */
export async function startHaproxyPair(certs: BenchCerts, appPort: number, workDir: string): Promise<ProxyPair> {
  const [clientPort, serverPort] = [await freePort(), await freePort()];
  const global = 'global\n  nbthread 1\n  maxconn 4000\n  ssl-default-bind-options ssl-min-ver TLSv1.2\n';
  const serverCfg = `${global}${DEFAULTS}
frontend inbound
  bind 127.0.0.1:${serverPort} ssl crt ${certs.server.bundleFile} ca-file ${certs.rootFile} verify required alpn http/1.1
  default_backend app
backend app
  server app 127.0.0.1:${appPort}
`;
  const clientCfg = `${global}${DEFAULTS}
frontend outbound
  bind 127.0.0.1:${clientPort}
  default_backend peer
backend peer
  server peer 127.0.0.1:${serverPort} ssl crt ${certs.client.bundleFile} ca-file ${certs.rootFile} verify required alpn http/1.1
`;
  writeFileSync(join(workDir, 'haproxy-server.cfg'), serverCfg);
  writeFileSync(join(workDir, 'haproxy-client.cfg'), clientCfg);
  const server = startChild('haproxy (server side)', 'haproxy', ['-db', '-f', join(workDir, 'haproxy-server.cfg')]);
  const client = startChild('haproxy (client side)', 'haproxy', ['-db', '-f', join(workDir, 'haproxy-client.cfg')]);
  try {
    await waitForPort(serverPort, server);
    await waitForPort(clientPort, client);
  } catch (err) {
    await Promise.all([client.stop(), server.stop()]);
    throw err;
  }
  return { entryPort: clientPort, processes: [client, server], stop: async () => { await Promise.all([client.stop(), server.stop()]); } };
}
