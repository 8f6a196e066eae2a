import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeMetricFamilies } from '../proxy/workers/metric-merge.js';
import { EnvoyNamedCounters, prometheusNameOf } from './envoy-named-counters.js';
import { renderEnvoyStatsText } from './envoy-stats-text.js';
import { renderPrometheusText } from './prometheus-text.js';

describe('EnvoyNamedCounters', () => {
  it('flattens stat names for Prometheus as Envoy does without a tag extractor', () => {
    assert.equal(prometheusNameOf('http.inbound_0.0.0.0_80.rbac.istio_dry_run_allow_shadow_denied'), 'envoy_http_inbound_0_0_0_0_80_rbac_istio_dry_run_allow_shadow_denied');
    assert.equal(prometheusNameOf('tcp.rbac.denied'), 'envoy_tcp_rbac_denied');
  });

  it('one handle per name; /stats text keeps the dotted name; worker merges add up and keep it', () => {
    const a = new EnvoyNamedCounters();
    const b = new EnvoyNamedCounters();
    a.counter('http.in_80.rbac.allowed').inc();
    assert.equal(a.counter('http.in_80.rbac.allowed'), a.counter('http.in_80.rbac.allowed'));
    a.counter('http.in_80.rbac.allowed').inc(2);
    b.counter('http.in_80.rbac.allowed').inc(4);
    b.counter('tcp.rbac.denied');
    assert.equal(a.value('http.in_80.rbac.allowed'), 3);
    assert.equal(a.value('never.created'), 0);
    const merged = mergeMetricFamilies([], [a.collect(), b.collect()], () => 'sum');
    assert.equal(renderEnvoyStatsText(merged), 'http.in_80.rbac.allowed: 7\ntcp.rbac.denied: 0\n');
    const prom = renderPrometheusText(merged);
    assert.match(prom, /^envoy_http_in_80_rbac_allowed 7$/m);
    assert.match(prom, /^# TYPE envoy_tcp_rbac_denied counter$/m);
  });
});
