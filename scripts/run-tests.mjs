// Runs every compiled test file (unit tests next to the code, integration tests in test/)
// with node's test runner, one file at a time (the integration files start real meshes on
// fixed ports and measure traffic: they must not compete); the runner's summary is printed last.
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const lint = spawnSync('npx', ['eslint', '.'], { cwd: root, stdio: 'inherit' });
if (lint.status !== 0) {
  console.error('lint failed');
  process.exit(1);
}

function collect(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const only = process.argv.slice(2);
const files = only.length > 0 ? only : ['src', 'test']
  .map((d) => join(root, 'dist', d))
  .filter(existsSync)
  .flatMap((d) => collect(d, []))
  .sort();
const res = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);
