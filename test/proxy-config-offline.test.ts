// `plexus proxy-config --offline` on the Bookinfo sample: no controller, Istio's names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { plexus } from './support/controller-process.js';

// Sources sit beside the compiled tree's parent: <root>/<outDir>/test → <root>/samples.
const SAMPLES = fileURLToPath(new URL('../../samples/bookinfo/', import.meta.url));
const FILES = ['-f', `${SAMPLES}platform`, '-f', `${SAMPLES}offline`, '-f', `${SAMPLES}networking/destination-rule-all.yaml`, '-f', `${SAMPLES}networking/virtual-service-reviews-50-v3.yaml`];

describe('proxy-config --offline on samples/bookinfo', { timeout: 60_000 }, () => {
  it('prints the proxyless clusters, listeners, routes and endpoints of productpage', async () => {
    const run = await plexus(['proxy-config', 'all', '--offline', ...FILES, '--workload', 'default/productpage-v1', '--generator', 'grpc']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /reviews\.default\.svc\.cluster\.local\s+9080\s+v3\s+outbound\s+EDS/);
    assert.match(run.stdout, /reviews\.default\.svc\.cluster\.local\s+9080\s+-\s+outbound\s+EDS/);
    assert.match(run.stdout, /0\.0\.0\.0\s+9080\s+ALL\s+Route: reviews\.default\.svc\.cluster\.local:9080/);
    assert.match(run.stdout, /198\.18\.0\.14:9080\s+HEALTHY\s+OK\s+outbound\|9080\|v3\|reviews\.default\.svc\.cluster\.local/);
  });

  it('prints sidecar clusters and listeners with Istio names', async () => {
    const clusters = await plexus(['proxy-config', 'cluster', '--offline', ...FILES, '--workload', 'productpage-v1', '-o', 'json']);
    assert.equal(clusters.code, 0, clusters.stderr);
    const names = (JSON.parse(clusters.stdout) as Array<{ name: string }>).map((c) => c.name);
    for (const n of ['outbound|9080||reviews.default.svc.cluster.local', 'outbound|9080|v1|reviews.default.svc.cluster.local', 'BlackHoleCluster', 'PassthroughCluster']) assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
    const listeners = await plexus(['proxy-config', 'listener', '--offline', ...FILES, '--workload', 'productpage-v1', '-o', 'json']);
    const lnames = (JSON.parse(listeners.stdout) as Array<{ name: string }>).map((l) => l.name);
    for (const n of ['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']) assert.ok(lnames.includes(n), `${n} missing from ${lnames.join(', ')}`);
  });

  it('explains a workload that is not in the files', async () => {
    const run = await plexus(['proxy-config', 'cluster', '--offline', ...FILES, '--workload', 'default/nope']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no WorkloadEntry or Pod default\/nope/);
  });
});
