import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitFor } from '../agent/child-process-wait.js';
import { httpGet } from '../agent/http-probe.js';
import { applyCommand } from './apply.js';
import type { CliIO, Command } from './command.js';
import { bringDown } from './down.js';
import { resolveHome } from './home.js';
import { bookinfoAppPath, plexusArgv } from './self-command.js';
import { bringUp } from './up.js';

const usage = `Usage: plexus demo [--down] [--home DIR] [--port N] [--capture auto|iptables|none]

Brings up the local mesh with Bookinfo: the controller, the ingress gateway on 127.0.0.1:--port
(default 8080), and productpage, details, reviews v1/v2/v3 and ratings, each with
\`plexus run\`; applies the Services, destination rules and the gateway from samples/bookinfo;
waits until the product page shows reviews, then prints the URL and a short tour.
--capture none (or PLEXUS_CAPTURE=none) runs the workloads in explicit mode (HTTP_PROXY, no
namespaces; the default when pods are impossible). --down removes it all (same as plexus down).`;

/** The samples folder of the checkout this build belongs to. */
const SAMPLES = fileURLToPath(new URL('../../../samples/bookinfo/', import.meta.url));

/** Bookinfo's workloads as `plexus run` starts them. */
const WORKLOADS: ReadonlyArray<{ name: string; app: string; version: string; sa: string }> = [
  { name: 'details-v1', app: 'details', version: 'v1', sa: 'bookinfo-details' },
  { name: 'ratings-v1', app: 'ratings', version: 'v1', sa: 'bookinfo-ratings' },
  { name: 'reviews-v1', app: 'reviews', version: 'v1', sa: 'bookinfo-reviews' },
  { name: 'reviews-v2', app: 'reviews', version: 'v2', sa: 'bookinfo-reviews' },
  { name: 'reviews-v3', app: 'reviews', version: 'v3', sa: 'bookinfo-reviews' },
  { name: 'productpage-v1', app: 'productpage', version: 'v1', sa: 'bookinfo-productpage' },
];

/** Starts `plexus ARGS` in the background (own session), output to `<home>/logs/<log>`. */
function background(home: string, args: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): void {
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  const fd = openSync(join(home, 'logs', log), 'a', 0o600);
  const [file, ...argv] = plexusArgv(args);
  const child = spawn(file!, argv, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
  closeSync(fd);
  child.unref();
}

function quiet(io: CliIO): CliIO {
  let err = '';
  return { ...io, stdout: () => undefined, stderr: (t) => void (err += t), stdin: io.stdin, env: io.env, toString: () => err } as CliIO;
}

/** True when the page renders the book's details and its reviews. */
export function pageIsComplete(body: string): boolean {
  return body.includes('class="review"') && !body.includes('id="details-unavailable"') && !body.includes('id="reviews-unavailable"');
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run Bookinfo on the local mesh (plexus demo --down removes it)',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { down: { type: 'boolean', default: false }, home: { type: 'string' }, port: { type: 'string', default: '8080' }, capture: { type: 'string' } },
      allowPositionals: false,
    });
    const home = resolveHome(values.home, io.env);
    if (values.down) {
      const r = await bringDown(home, io);
      io.stdout(`Bookinfo demo removed (${r.workloads} workloads and gateways stopped${r.controller ? ', controller stopped' : ''}).\n`);
      return 0;
    }
    const started = Date.now();
    const say = (t: string): void => io.stdout(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${t}\n`);
    const up = await bringUp(home, values.capture ?? io.env.PLEXUS_CAPTURE ?? 'auto', io);
    say(`controller ${up.alreadyRunning ? 'already running' : 'started'} (pid ${up.pid}, ${up.pods ? 'pods with iptables capture' : 'explicit mode'})`);
    const files = [join(SAMPLES, 'platform'), join(SAMPLES, 'networking', 'destination-rule-all.yaml'), join(SAMPLES, 'networking', 'bookinfo-gateway.yaml')];
    const q = quiet(io);
    const code = await applyCommand.run([...files.flatMap((f) => ['-f', f]), '--home', home], q);
    if (code !== 0) {
      io.stderr(`applying the Bookinfo configuration failed:\n${String(q)}\n`);
      return code;
    }
    say('applied samples/bookinfo/platform (Services), destination-rule-all.yaml, bookinfo-gateway.yaml');
    const port = values.port ?? '8080';
    background(home, ['gateway', 'run', '--name', 'ingressgateway', '--port', `${port}:80`, '--home', home], 'gateway.istio-system.ingressgateway.log');
    const capture = up.pods ? 'iptables' : 'none';
    for (const w of WORKLOADS) {
      background(home, [
        'run', '--home', home, '--name', w.name, '--service-account', w.sa, '--labels', `app=${w.app},version=${w.version}`, '--port', '9080', '--capture', capture,
        '--', process.execPath, bookinfoAppPath(w.app),
      ], `default.${w.name}.run.log`, { SERVICE_VERSION: w.version, UPSTREAM_TIMEOUT_MS: '3000' });
    }
    say(`started the ingress gateway and ${WORKLOADS.length} workloads (logs in ${join(home, 'logs')})`);
    const url = `http://127.0.0.1:${port}/productpage`;
    const ok = await waitFor(async () => pageIsComplete((await httpGet(url, 3000)).body), 55_000);
    if (!ok) {
      io.stderr(`The product page did not come up with reviews within 55 s; see plexus status and the logs in ${join(home, 'logs')}.\n`);
      return 1;
    }
    say('the product page serves details and reviews');
    io.stdout(`
Bookinfo is up in ${((Date.now() - started) / 1000).toFixed(1)} s:  ${url}

A short tour (npx plexus … from the checkout):
  npx plexus status                                  controller, workloads, proxies
  npx plexus proxy-status                            every proxy SYNCED with the controller
  npx plexus proxy-config route productpage-v1.default   what productpage's sidecar routes
  npx plexus apply -f samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml
      then reload the page: half the reviews in red stars (v3), half without (v1)
  npx plexus apply -f samples/bookinfo/security/peer-authentication-strict.yaml
      mTLS only: plaintext to a pod is refused, the page keeps working
  npx plexus apply -f samples/bookinfo/security/authorization-allow-nothing.yaml
      every request is refused: 403 RBAC: access denied
  npx plexus apply -f samples/bookinfo/security/authorization-bookinfo.yaml
      least privilege by mTLS identity: the whole page again (npx plexus x authz check reviews-v1.default)
  npm run demo -- --down                             remove everything (or: npx plexus demo --down)
`);
    return 0;
  },
};
