import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { isProcessAlive } from '../config/admin-api/controller-info.js';

/**
 * `count` distinct free TCP ports on `host`, all held open until every one is picked, so they
 * differ. They are drawn at random below the kernel's ephemeral range
 * (`net.ipv4.ip_local_port_range`, 32768 by default), from 20000 (or 4096 below the range
 * when it starts lower) up to it:
 * ports the kernel hands to `connect()` and to `bind(0)` of other processes could be taken
 * between our pick and our user's bind, and a busy machine makes thousands of those. With
 * `reservations` (a folder shared by the workloads of one home, `<home>/runtime/ports`), each
 * port is also claimed there by a file naming this pid, and ports claimed by a live process
 * are skipped: workloads started together (`plexus demo` starts six) cannot pick the same
 * port. `releasePorts` drops the claims; a claim of a dead process is taken over.
 */
export async function freePorts(count: number, host = '127.0.0.1', reservations?: string): Promise<number[]> {
  const servers: Server[] = [];
  if (reservations !== undefined) mkdirSync(reservations, { recursive: true, mode: 0o700 });
  const [low, high] = pickRange();
  try {
    const ports: number[] = [];
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > 4 * count + 500) throw new Error(`no ${count} free ports found between ${low} and ${high}`);
      const candidate = low + Math.floor(Math.random() * (high - low));
      if (ports.includes(candidate)) continue;
      const server = createServer();
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host, port: candidate, exclusive: true }, () => resolve(true));
      });
      if (!bound) continue;
      servers.push(server);
      if (reservations === undefined || claim(reservations, candidate)) ports.push(candidate);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** [low, high): the ports just below the kernel's ephemeral range. */
function pickRange(): [number, number] {
  let ephemeralStart = 32768;
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 2048) ephemeralStart = first;
  } catch {
    // not Linux: keep the IANA default start of the dynamic range
  }
  const low = Math.min(20000, Math.max(1024, ephemeralStart - 4096));
  return [low, ephemeralStart];
}

/** Claims ports chosen by the user (see freePorts); false for one a live process has claimed. */
export function claimPort(reservations: string, port: number): boolean {
  mkdirSync(reservations, { recursive: true, mode: 0o700 });
  return claim(reservations, port);
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
      if (owner !== undefined && isProcessAlive(owner)) return false;
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
