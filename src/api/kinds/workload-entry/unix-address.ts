/** Prefix that marks an address or bind as a Unix domain socket. */
export const UNIX_ADDRESS_PREFIX = 'unix://';

/**
 * Checks the path part of a `unix://` address: an abstract socket (`@name`) or an absolute
 * file path that does not end in `/`. Returns an error message or undefined.
 */
export function checkUnixSocketPath(path: string): string | undefined {
  if (path.length === 0) return 'unix domain socket path must not be empty';
  if (path.startsWith('@')) return undefined;
  if (!path.startsWith('/') || path.endsWith('/')) return `${path} is not an absolute path to a socket file`;
  return undefined;
}
