import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Resolves a name to all of its addresses the way the system resolver does (getaddrinfo, so
 * `/etc/hosts` and `localhost` work as they do for the workload itself), de-duplicated and
 * sorted so that an unchanged answer compares equal.
 */
export async function resolveAll(name: string): Promise<string[]> {
  if (isIP(name) !== 0) return [name];
  const answers = await lookup(name, { all: true, verbatim: true });
  return [...new Set(answers.map((a) => a.address))].sort();
}

/** True when `a` and `b` hold the same addresses in the same order. */
export function sameAddresses(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
