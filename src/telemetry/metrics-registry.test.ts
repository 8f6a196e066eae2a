import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderEnvoyStatsText } from './envoy-stats-text.js';
import { MetricsRegistry } from './metrics-registry.js';
import { renderPrometheusText } from './prometheus-text.js';

describe('MetricsRegistry', () => {
  it('keeps one series per label set and renders counters', () => {
    const reg = new MetricsRegistry();
    const c = reg.counter('plexus_things_total', 'Things.', ['kind']);
    const a = c.series(['a']);
    a.inc();
    a.inc(2);
    assert.equal(c.series(['a']), a, 'the same handle comes back');
    c.series(['b']).inc();
    const text = renderPrometheusText(reg.collect());
    assert.match(text, /^# TYPE plexus_things_total counter$/m);
    assert.match(text, /^plexus_things_total\{kind="a"\} 3$/m);
    assert.match(text, /^plexus_things_total\{kind="b"\} 1$/m);
  });

  it('refuses a label value count that does not match', () => {
    const reg = new MetricsRegistry();
    assert.throws(() => reg.counter('x_total', 'x', ['a', 'b']).series(['only-one']), RangeError);
  });

  it('returns the first family for a repeated name and refuses a type clash', () => {
    const reg = new MetricsRegistry();
    assert.equal(reg.counter('y_total', 'y'), reg.counter('y_total', 'y'));
    assert.throws(() => reg.gauge('y_total', 'y'), TypeError);
  });

  it('renders histograms cumulatively with +Inf, sum and count', () => {
    const reg = new MetricsRegistry();
    const h = reg.histogram('lat_ms', 'Latency.', ['route'], [1, 5, 10]);
    const s = h.series(['r']);
    for (const v of [0.5, 1, 3, 7, 20]) s.observe(v);
    const text = renderPrometheusText(reg.collect());
    assert.match(text, /^lat_ms_bucket\{route="r",le="1"\} 2$/m);
    assert.match(text, /^lat_ms_bucket\{route="r",le="5"\} 3$/m);
    assert.match(text, /^lat_ms_bucket\{route="r",le="10"\} 4$/m);
    assert.match(text, /^lat_ms_bucket\{route="r",le="\+Inf"\} 5$/m);
    assert.match(text, /^lat_ms_sum\{route="r"\} 31.5$/m);
    assert.match(text, /^lat_ms_count\{route="r"\} 5$/m);
    assert.ok(s.quantile(0.5) > 1 && s.quantile(0.5) <= 5);
  });

  it('renders Envoy-style /stats names from scoped families', () => {
    const reg = new MetricsRegistry();
    reg.counter('envoy_cluster_upstream_rq_total', 'x', ['cluster_name']).series(['outbound|80||a.b.svc.cluster.local']).inc(4);
    reg.counter('envoy_cluster_upstream_rq_xx', 'x', ['response_code_class', 'cluster_name']).series(['2', 'c1']).inc(2);
    reg.histogram('envoy_cluster_upstream_rq_time', 'x', ['cluster_name'], [1, 10]).series(['c1']).observe(3);
    const text = renderEnvoyStatsText(reg.collect());
    assert.match(text, /^cluster\.outbound\|80\|\|a\.b\.svc\.cluster\.local\.upstream_rq_total: 4$/m);
    assert.match(text, /^cluster\.c1\.upstream_rq_2xx: 2$/m);
    assert.match(text, /^cluster\.c1\.upstream_rq_time: P0\(.*\) P25/m);
    assert.doesNotMatch(renderEnvoyStatsText(reg.collect(), /rq_total/), /2xx/);
  });
});
