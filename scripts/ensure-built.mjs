// Makes `npm test` and `npm run demo` work on a fresh clone: installs dependencies when
// node_modules is missing and compiles the TypeScript when any source is newer than dist/.
import { execSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  run('npm ci --ignore-scripts --no-audit --no-fund');
}
// `--ignore-scripts` skips the install script, so build the SO_ORIGINAL_DST addon here;
// build-native.mjs never fails (without it Plexus stays in explicit mode).
if (!existsSync(join(root, 'native', 'original-dst', 'build', 'Release', 'plexus_original_dst.node'))) {
  run('node scripts/build-native.mjs');
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'results') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}
const stamp = join(root, 'dist', '.tsbuildinfo');
const sources = Math.max(...['src', 'test', 'bench', 'samples'].filter((d) => existsSync(join(root, d))).map((d) => newest(join(root, d))));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
  run('npx tsc -p tsconfig.json');
}
