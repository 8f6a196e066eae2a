import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Environment variable naming the Plexus home directory. */
export const HOME_ENV = 'PLEXUS_HOME';

/**
 * The Plexus home directory (config store, admin token, controller.json): `--home` when
 * given, else `$PLEXUS_HOME`, else `~/.plexus`. Always absolute, so that messages show it.
 */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return resolve(flag);
  const fromEnv = env[HOME_ENV];
  if (fromEnv) return resolve(fromEnv);
  return join(env.HOME || homedir(), '.plexus');
}
