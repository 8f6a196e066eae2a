// Shared pieces of the CA tests: a CA service on loopback, a log capture, openssl, temp dirs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { addCaService, type CaServiceHandle } from '../src/ca/ca-service.js';
import { createCaServerCredentials } from '../src/ca/ca-server-credentials.js';
import type { CertificateAuthority } from '../src/ca/certificate-authority.js';

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

/** A CA service on 127.0.0.1:0, plaintext or TLS (client certs optional, renewal by certificate allowed). */
export async function startCaServer(ca: CertificateAuthority, opts: { tls?: boolean; logger?: Logger } = {}): Promise<{ address: string; handle: CaServiceHandle; close: () => Promise<void> }> {
  const server = new grpc.Server();
  const handle = addCaService(server, ca, { allowPeerCertificate: opts.tls ?? false, logger: opts.logger ?? pino({ level: 'silent' }) });
  const tls = opts.tls ? await createCaServerCredentials(ca) : undefined;
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', tls?.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    handle,
    close: async () => {
      tls?.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
    },
  };
}

/** Runs Debian's openssl binary; fails loudly when it is not installed. */
export function openssl(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const res = spawnSync('openssl', args, { encoding: 'utf8', input, timeout: 20_000 });
  if (res.error && (res.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('the openssl binary is missing: install it (apt-get install openssl); .ci/run must install it too');
  }
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `plexus-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A quiet logger for CAs and agents in tests. */
export const silent = pino({ level: 'silent' });
