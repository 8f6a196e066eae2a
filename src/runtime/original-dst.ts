import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PlexusError } from '../api/errors.js';

/** Where a redirected connection was going before iptables REDIRECT rewrote it. */
export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Whether the SO_ORIGINAL_DST addon could be loaded, and if not, why. */
export type OriginalDstStatus =
  | { readonly available: true; readonly path: string }
  | { readonly available: false; readonly reason: string };

interface Addon {
  originalDestination(fd: number): OriginalDestination;
}

/** Environment variable naming the addon file explicitly (packaging, tests). */
export const ORIGINAL_DST_ADDON_ENV = 'PLEXUS_ORIGINAL_DST_ADDON';

const ADDON_RELATIVE = join('native', 'original-dst', 'build', 'Release', 'plexus_original_dst.node');

let loaded: { addon: Addon; path: string } | { error: string } | undefined;

// Compiled code runs from dist*/src/runtime, the sources from src/runtime: walk up to the
// package root (the first directory holding native/original-dst) instead of a fixed depth.
function findAddon(): string | undefined {
  const explicit = process.env[ORIGINAL_DST_ADDON_ENV];
  if (explicit) return explicit;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function load(): { addon: Addon; path: string } | { error: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    loaded = { error: `SO_ORIGINAL_DST exists only on Linux (this is ${process.platform})` };
    return loaded;
  }
  const path = findAddon();
  if (!path) {
    loaded = { error: `the addon ${ADDON_RELATIVE} is not built; run \`node scripts/build-native.mjs\` in the plexus checkout (needs a C compiler, make and python3)` };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as Addon;
    if (typeof addon.originalDestination !== 'function') throw new Error('it does not export originalDestination');
    loaded = { addon, path };
  } catch (err) {
    loaded = { error: `the addon ${path} could not be loaded: ${(err as Error).message.split('\n')[0]}; rebuild it with \`node scripts/build-native.mjs\`` };
  }
  return loaded;
}

/** Reports whether transparent capture can read original destinations in this process. */
export function originalDstStatus(): OriginalDstStatus {
  const state = load();
  return 'addon' in state ? { available: true, path: state.path } : { available: false, reason: state.error };
}

/**
 * The original destination of an accepted TCP connection, from its file descriptor.
 * Throws PLEXUS_ERR_CAPTURE_UNAVAILABLE when the addon is missing; an Error with `code`
 * ENOENT when the connection was not redirected (conntrack has no NAT entry for it).
 */
export function originalDestinationOfFd(fd: number): OriginalDestination {
  const state = load();
  if (!('addon' in state)) throw new PlexusError('PLEXUS_ERR_CAPTURE_UNAVAILABLE', `cannot read SO_ORIGINAL_DST: ${state.error}`);
  return state.addon.originalDestination(fd);
}

/**
 * The original destination of a socket accepted by a `net.Server`.
 *
 * Node exposes no public way to get a socket's descriptor, so this relies on the internal
 * `socket._handle.fd` of libuv's TCP wrap (stable for years on Unix, and what every
 * SO_ORIGINAL_DST user in the Node ecosystem reads). It is -1 or absent for sockets that are
 * not plain TCP (a TLS socket wraps a TCP one: pass the underlying socket) or already closed.
 */
export function originalDestination(socket: Socket): OriginalDestination {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new PlexusError('PLEXUS_ERR_CAPTURE_UNAVAILABLE', 'cannot read SO_ORIGINAL_DST: the socket has no file descriptor (closed, or not a plain TCP socket)');
  }
  return originalDestinationOfFd(fd);
}
