import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricsRegistry } from '../../telemetry/metrics-registry.js';
import type { MetricFamily } from '../../telemetry/prometheus-text.js';
import { mergeMetricFamilies } from './metric-merge.js';
import { WorkerMetrics, workerMergeMode, type WorkerScrape } from './worker-metrics.js';

/** What one worker's ProxyStats might report. */
function workerFamilies(requests: number, latencies: number[], active: number, rss: number): MetricFamily[] {
  const r = new MetricsRegistry();
  r.counter('istio_requests_total', 'Requests.', ['reporter']).series(['source']).inc(requests);
  const h = r.histogram('istio_request_duration_milliseconds', 'Duration.', ['reporter'], [10, 100]).series(['source']);
  for (const l of latencies) h.observe(l);
  const families = r.collect();
  return [
    ...families,
    { name: 'envoy_listener_downstream_cx_total', help: 'Accepted.', type: 'counter', samples: [{ labels: { envoy_listener_address: '0.0.0.0_80' }, value: requests }] },
    { name: 'envoy_listener_downstream_cx_active', help: 'Open.', type: 'gauge', samples: [{ labels: { envoy_listener_address: '0.0.0.0_80' }, value: active }] },
    { name: 'envoy_cluster_membership_healthy', help: 'Healthy hosts.', type: 'gauge', samples: [{ labels: { cluster_name: 'c' }, value: 3 }] },
    { name: 'envoy_server_live', help: 'Live.', type: 'gauge', samples: [{ value: 0 }] },
    { name: 'process_resident_memory_bytes', help: 'RSS.', type: 'gauge', samples: [{ value: rss }] },
  ];
}

const PRIMARY: MetricFamily[] = [
  { name: 'envoy_server_live', help: 'Live.', type: 'gauge', samples: [{ value: 1 }] },
  { name: 'envoy_server_concurrency', help: 'Workers.', type: 'gauge', samples: [{ value: 2 }] },
  { name: 'process_resident_memory_bytes', help: 'RSS.', type: 'gauge', samples: [{ value: 50 }] },
];

function value(families: readonly MetricFamily[], name: string, pred: (s: MetricFamily['samples'][number]) => boolean = () => true): number[] {
  return families.find((f) => f.name === name)?.samples.filter(pred).map((s) => s.value) ?? [];
}

describe('merging the workers\' metrics', () => {
  it('sums counters, histogram buckets and per-worker gauges; states whole-proxy facts once', () => {
    const merged = mergeMetricFamilies(PRIMARY, [workerFamilies(3, [5, 50, 500], 2, 100), workerFamilies(4, [5], 1, 200)], workerMergeMode);
    assert.deepEqual(value(merged, 'istio_requests_total'), [7]);
    const buckets = merged.find((f) => f.name === 'istio_request_duration_milliseconds')!.samples.map((s) => `${s.suffix}${s.labels?.le ?? ''}=${s.value}`);
    assert.deepEqual(buckets, ['_bucket10=2', '_bucket100=3', '_bucket+Inf=4', '_sum=560', '_count=4']);
    assert.deepEqual(value(merged, 'envoy_listener_downstream_cx_active'), [3], 'active connections add up');
    assert.deepEqual(value(merged, 'envoy_cluster_membership_healthy'), [3], 'the same membership is not counted twice');
    assert.deepEqual(value(merged, 'envoy_server_live'), [1], 'the primary says whether the proxy is live');
    assert.deepEqual(value(merged, 'envoy_server_concurrency'), [2]);
    assert.deepEqual(value(merged, 'process_resident_memory_bytes'), [350], 'memory of every process');
    assert.equal(merged[0]!.name, 'istio_requests_total', 'families keep a worker\'s order');
  });

  it('adds per-worker listener series and keeps an exited worker\'s counters', async () => {
    let scrapes: WorkerScrape[] = [
      { slot: 0, workerId: 1, families: workerFamilies(3, [5], 1, 100) },
      { slot: 1, workerId: 2, families: workerFamilies(4, [5], 1, 100) },
    ];
    const metrics = new WorkerMetrics({ primary: { collect: () => PRIMARY }, gather: () => Promise.resolve(scrapes) });
    const first = await metrics.collect();
    const perWorker = (fams: MetricFamily[], id: string): number[] => value(fams, 'envoy_listener_worker_downstream_cx_total', (s) => s.labels?.envoy_worker_id === id);
    assert.deepEqual([perWorker(first, '0'), perWorker(first, '1')], [[3], [4]]);
    assert.deepEqual(value(first, 'istio_requests_total'), [7]);

    // Worker 1 (slot 0) dies and is replaced by worker 3, which has counted 1 request so far.
    metrics.retire(1);
    scrapes = [
      { slot: 1, workerId: 2, families: workerFamilies(5, [5], 1, 100) },
      { slot: 0, workerId: 3, families: workerFamilies(1, [5], 0, 100) },
    ];
    const second = await metrics.collect();
    assert.deepEqual(value(second, 'istio_requests_total'), [3 + 5 + 1], 'the dead worker\'s 3 requests stay');
    assert.deepEqual(value(second, 'envoy_listener_downstream_cx_active'), [1], 'its open connections do not');
    assert.deepEqual([perWorker(second, '0'), perWorker(second, '1')], [[4], [5]]);

    // Worker 2 does not answer in time: its last counters stand in (not its gauges).
    scrapes = [{ slot: 0, workerId: 3, families: workerFamilies(2, [5], 0, 100) }];
    const third = await metrics.collect();
    assert.deepEqual(value(third, 'istio_requests_total'), [3 + 5 + 2]);
    assert.deepEqual(value(third, 'envoy_listener_downstream_cx_active'), [0]);

    // An answer that arrives from a worker already retired is not counted twice.
    metrics.retire(3);
    metrics.retire(2);
    scrapes = [{ slot: 0, workerId: 3, families: workerFamilies(9, [5], 0, 100) }];
    assert.deepEqual(value(await metrics.collect(), 'istio_requests_total'), [3 + 5 + 2]);
  });
});
