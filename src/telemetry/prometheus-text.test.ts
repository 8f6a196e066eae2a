import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Counter } from './counter.js';
import { Histogram } from './histogram.js';
import { renderPrometheusText } from './prometheus-text.js';

it('renders counters with labels and histograms in the text format', () => {
  const c = new Counter('errors_total', 'Errors.\nBy reason.');
  c.inc({ reason: 'say "hi"' });
  c.inc({ reason: 'say "hi"' });
  const h = new Histogram('latency_seconds', 'Latency.', [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  assert.equal(renderPrometheusText([c.collect(), h.collect()]), [
    '# HELP errors_total Errors.\\nBy reason.',
    '# TYPE errors_total counter',
    'errors_total{reason="say \\"hi\\""} 2',
    '# HELP latency_seconds Latency.',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{le="0.1"} 1',
    'latency_seconds_bucket{le="1"} 2',
    'latency_seconds_bucket{le="+Inf"} 2',
    'latency_seconds_sum 0.55',
    'latency_seconds_count 2',
    '',
  ].join('\n'));
});
