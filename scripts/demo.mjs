// `npm run demo`: the main job on a fresh clone. Until the local mesh lands (issue 6) it checks
// the Bookinfo sample configuration the way a user would before applying it: validate every file,
// then analyse each traffic scenario together with the platform objects it refers to.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const plexus = (...args) => {
  process.stdout.write(`\n$ plexus ${args.join(' ')}\n`);
  return spawnSync(process.execPath, [join(root, 'bin', 'plexus.js'), ...args], { cwd: root, stdio: 'inherit' }).status;
};

const started = Date.now();
let failed = plexus('validate', '-f', 'samples/') !== 0;
const base = ['samples/bookinfo/platform', 'samples/bookinfo/networking/bookinfo-gateway.yaml', 'samples/bookinfo/networking/destination-rule-all.yaml'];
const scenarios = readdirSync(join(root, 'samples/bookinfo/networking')).filter((f) => f.startsWith('virtual-service-')).sort();
for (const s of scenarios) failed = plexus('analyze', ...base, `samples/bookinfo/networking/${s}`) !== 0 || failed;
failed = plexus('analyze', '-A', 'samples/bookinfo/platform', 'samples/bookinfo/networking/destination-rule-all-mtls.yaml', 'samples/bookinfo/security') !== 0 || failed;
process.stdout.write(`\nBookinfo configuration ${failed ? 'has problems (see above)' : 'validates and analyses clean'} (${((Date.now() - started) / 1000).toFixed(1)} s).\n`);
process.exit(failed ? 1 : 0);
