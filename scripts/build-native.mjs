// Builds the SO_ORIGINAL_DST addon (native/original-dst) with node-gyp. Run by `npm install`
// (the package's install script) and by scripts/ensure-built.mjs after `npm ci --ignore-scripts`.
// It never fails the install: without a compiler or Node headers Plexus still works in
// explicit mode, and the message below says what is missing. `--strict` makes a failed
// build exit 1 (for CI jobs that need transparent capture).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const addonDir = join(root, 'native', 'original-dst');
const strict = process.argv.includes('--strict');
const say = (line) => process.stderr.write(`plexus: ${line}\n`);

function giveUp(reason) {
  say(`the SO_ORIGINAL_DST addon was not built: ${reason}`);
  say('transparent capture (plexus run in network namespaces) is unavailable; Plexus runs in explicit mode.');
  say('to retry: install a C compiler, make and python3, then run `node scripts/build-native.mjs`.');
  process.exit(strict ? 1 : 0);
}

if (process.env.PLEXUS_SKIP_NATIVE === '1') giveUp('PLEXUS_SKIP_NATIVE=1');
if (process.platform !== 'linux') giveUp(`SO_ORIGINAL_DST exists only on Linux (this is ${process.platform})`);

// node-gyp ships inside npm; find it without downloading anything.
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a dependency: fine
  }
  return candidates.find((p) => p.endsWith('.js') && existsSync(p));
}

// Use the headers installed next to this node when they match its version, so no
// download from nodejs.org is needed (offline machines, CI).
function localNodeDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  const header = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(header)) return undefined;
  const text = readFileSync(header, 'utf8');
  const part = (name) => text.match(new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`))?.[1];
  const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return version === process.version ? prefix : undefined;
}

const gyp = findNodeGyp();
if (!gyp) giveUp('node-gyp was not found (it normally ships with npm)');
const args = [gyp, 'rebuild'];
const nodedir = localNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const res = spawnSync(process.execPath, args, { cwd: addonDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (res.status !== 0) {
  const tail = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-12).join('\n');
  giveUp(`node-gyp rebuild failed (exit ${res.status ?? res.signal}):\n${tail}`);
}
say(`built ${join('native', 'original-dst', 'build', 'Release', 'plexus_original_dst.node')}`);
