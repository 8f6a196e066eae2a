import { join } from 'node:path';

/**
 * The files of a Plexus home directory (`$PLEXUS_HOME`, default `~/.plexus`) that the
 * controller and the CLI share.
 */
export interface HomePaths {
  /** The config store tree (see directory-store/layout.ts). */
  config: string;
  /** Bearer token of the admin API, mode 0600. */
  adminToken: string;
  /** Where the running controller publishes its pid and ports. */
  controllerInfo: string;
}

/** Paths inside `home`. */
export function homePaths(home: string): HomePaths {
  return { config: join(home, 'config'), adminToken: join(home, 'admin-token'), controllerInfo: join(home, 'controller.json') };
}
