import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/**
 * `count` distinct free TCP ports on `host`, picked by the kernel (bind to port 0). All are held
 * open until every one is picked, so they differ. Between the pick and the bind by their user,
 * another process may take one. With `reservations` (a folder shared by the workloads of one
 * home, `<home>/runtime/ports`), each port is also claimed there by a file naming this pid, and
 * ports claimed by a live process are skipped: workloads started together (`plexus demo`
 * starts six) cannot pick the same port. `releasePorts` drops the claims; a claim of a dead
 * process is taken over.
 */
export async function freePorts(count: number, host = '127.0.0.1', reservations?: string): Promise<number[]> {
  const servers: Server[] = [];
  if (reservations !== undefined) mkdirSync(reservations, { recursive: true, mode: 0o700 });
  try {
    const ports: number[] = [];
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count + 200) throw new Error(`no ${count} free ports could be claimed in ${reservations}`);
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: 0, exclusive: true }, resolve);
      });
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no port was assigned');
      if (reservations === undefined || claim(reservations, address.port)) ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** Drops this process's claims on `ports` (see freePorts). */
export function releasePorts(reservations: string, ports: readonly number[]): void {
  for (const port of ports) {
    const file = join(reservations, String(port));
    if (ownerOf(file) === process.pid) rmSync(file, { force: true });
  }
}

function claim(dir: string, port: number): boolean {
  const file = join(dir, String(port));
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerOf(file);
      if (owner !== undefined && isAlive(owner)) return false;
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  return false;
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
