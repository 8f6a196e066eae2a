// Times what a user waits for on a large config: read + parse, validate, and analyse 5,000
// resources. Prints medians over several runs and writes bench/results/config-latest.json.
// Target (issue 2): validate and analyse 5,000 resources in under 3 s. Never fails on time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { analyzeResources } from '../src/analyze/run.js';
import { validateResource } from '../src/api/validate.js';
import { loadPaths } from '../src/config/load.js';

const SERVICES = 1000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Five resources per service: Service, WorkloadEntry, DestinationRule, VirtualService, AuthorizationPolicy. */
function corpus(): object[][] {
  const files: object[][] = [];
  for (let i = 0; i < SERVICES; i++) {
    const ns = `team-${i % 20}`;
    const name = `svc-${i}`;
    const docs = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 8080 }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: `${name}-v1`, namespace: ns }, spec: { address: `198.18.${i >> 8}.${i & 255}`, labels: { app: name, version: 'v1' } } },
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name, namespace: ns }, spec: { host: name, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 1000 } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: ns }, spec: { hosts: [name], http: [{ match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: name, subset: 'v1' } }] }, { route: [{ destination: { host: name, subset: 'v1' }, weight: 100 }], timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset' } }] } },
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec: { selector: { matchLabels: { app: name } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/client`] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/*'] } }] }] } },
    ];
    files[i % 50] ??= [];
    files[i % 50].push(...docs);
  }
  return files;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'plexus-bench-config-'));
try {
  corpus().forEach((docs, i) => writeFileSync(join(dir, `part-${i}.yaml`), docs.map((d) => stringify(d)).join('---\n')));
  const times = { parse: [] as number[], validate: [] as number[], analyze: [] as number[], total: [] as number[] };
  let count = 0;
  let messages = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const loaded = loadPaths([dir]);
    const t1 = performance.now();
    let invalid = 0;
    for (const r of loaded.resources) if (!validateResource(r.resource).valid) invalid++;
    const t2 = performance.now();
    const result = analyzeResources(loaded.resources, { allNamespaces: true });
    const t3 = performance.now();
    if (invalid > 0 || loaded.problems.length > 0) throw new Error(`benchmark corpus is not valid: ${invalid} invalid, ${loaded.problems.length} parse problems`);
    count = loaded.resources.length;
    messages = result.messages.length;
    times.parse.push(t1 - t0);
    times.validate.push(t2 - t1);
    times.analyze.push(t3 - t2);
    times.total.push(t3 - t0);
  }
  const row = (label: string, ms: number): string => `${label.padEnd(22)} ${(ms / 1000).toFixed(3).padStart(8)} s`;
  const total = median(times.total);
  process.stdout.write([
    `config benchmark: ${count} resources in 50 files, median of ${RUNS} runs (${messages} analysis messages)`,
    row('read + parse', median(times.parse)),
    row('validate', median(times.validate)),
    row('analyze', median(times.analyze)),
    row('total', total),
    `target < 3.000 s: ${total < 3000 ? 'met' : `missed by ${((total - 3000) / 1000).toFixed(3)} s`}`,
    '',
  ].join('\n'));
  const out = new URL('../../bench/results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('config-latest.json', out), `${JSON.stringify({
    resources: count, runs: RUNS,
    parse_s: median(times.parse) / 1000, validate_s: median(times.validate) / 1000,
    analyze_s: median(times.analyze) / 1000, total_s: total / 1000, target_s: 3,
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
