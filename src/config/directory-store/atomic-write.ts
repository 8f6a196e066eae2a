import { randomBytes } from 'node:crypto';
import { open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PlexusError } from '../../api/errors.js';

/** True for the temporary files `writeFileAtomic` creates; scanners skip them. */
export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/**
 * Replaces `file` so that a reader (or a crash) sees either the old or the new content,
 * never a torn one: write a temporary file in the same directory, fsync it, rename it over
 * the target, then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    await syncDirectory(dirname(file));
  } catch (err) {
    await rm(tmp, { force: true });
    throw new PlexusError('PLEXUS_ERR_IO', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Removes `file` durably; resolves false when it was already gone. */
export async function removeFileDurable(file: string): Promise<boolean> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new PlexusError('PLEXUS_ERR_IO', `cannot remove ${file}: ${(err as Error).message}`, { cause: err });
  }
  await syncDirectory(dirname(file));
  return true;
}

/** fsyncs a directory so that renames and unlinks in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
