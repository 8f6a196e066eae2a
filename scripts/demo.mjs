// `npm run demo`: Bookinfo on the local mesh (controller, ingress gateway on 127.0.0.1:8080,
// six workloads with sidecars). `npm run demo -- --down` removes it all.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const res = spawnSync(process.execPath, [join(root, 'bin', 'plexus.js'), 'demo', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);
