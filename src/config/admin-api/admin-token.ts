import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { PlexusError } from '../../api/errors.js';
import { homePaths } from './home-paths.js';

/**
 * The admin API token of `home`: read it, or generate one (256 random bits) on first start.
 * The file is created with mode 0600; a token file readable by others is tightened and logged.
 */
export async function ensureAdminToken(home: string, logger?: Logger): Promise<string> {
  const file = homePaths(home).adminToken;
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    try {
      // 'wx' fails when the file exists, so two controllers starting at once cannot both write.
      await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
      logger?.info({ file }, 'generated the admin API token');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (((await stat(file)).mode & 0o077) !== 0) {
      await chmod(file, 0o600);
      logger?.warn({ file }, 'the admin token file was readable by others; its mode is now 0600');
    }
    const token = (await readFile(file, 'utf8')).trim();
    if (token === '') throw new Error('the file is empty; delete it and restart the controller to generate a new token');
    return token;
  } catch (err) {
    if (err instanceof PlexusError) throw err;
    throw new PlexusError('PLEXUS_ERR_IO', `cannot prepare the admin token ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads the token a client presents; a missing or unreadable file is an authentication problem. */
export function readAdminToken(home: string): string {
  const file = homePaths(home).adminToken;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_UNAUTHENTICATED', `cannot read the admin token ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Compares a presented token with the real one in constant time. */
export function tokenMatches(presented: string, token: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
