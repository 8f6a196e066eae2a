import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packAny } from './protos.js';
import { packedToJson } from './proto-json.js';

describe('proto JSON for config dumps', () => {
  it('unpacks nested Any with @type, prints durations and wrappers as values, omits defaults', () => {
    const packed = packAny('envoy.config.cluster.v3.Cluster', {
      name: 'c', type: 'EDS', connect_timeout: { seconds: 1, nanos: 500_000_000 },
      circuit_breakers: { thresholds: [{ max_requests: { value: 7 } }] },
      typed_extension_protocol_options: {},
    });
    const json = packedToJson(packed);
    assert.equal(json['@type'], 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(json.connect_timeout, '1.5s');
    assert.deepEqual(json.circuit_breakers, { thresholds: [{ max_requests: 7 }] });
    assert.equal(json.type, 'EDS');
    assert.equal('lb_policy' in json, false);
  });
});
