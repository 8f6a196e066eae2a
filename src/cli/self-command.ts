import { fileURLToPath } from 'node:url';

/** The script that runs this build of `plexus` (see plexus-bin.ts). */
export const PLEXUS_BIN = fileURLToPath(new URL('./plexus-bin.js', import.meta.url));

/** argv that runs `plexus ARGS…` with this Node and this build. */
export function plexusArgv(args: readonly string[]): string[] {
  return [process.execPath, PLEXUS_BIN, ...args];
}

/** A compiled Bookinfo app of this build (`details`, `reviews`, …). */
export function bookinfoAppPath(app: string): string {
  return fileURLToPath(new URL(`../../samples/bookinfo/src/${app}/main.js`, import.meta.url));
}
