import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderMessage } from '../src/analyze/message.js';
import { analyzeResources } from '../src/analyze/run.js';
import { validateResource } from '../src/api/validate.js';
import { loadPaths } from '../src/config/load.js';

// The sample configs are what newcomers apply first: each must validate, and each traffic
// scenario must analyse clean together with the platform objects it refers to.
const root = new URL('../../', import.meta.url).pathname;
const at = (p: string): string => `${root}${p}`;

describe('Bookinfo samples', () => {
  it('every sample validates', () => {
    const { resources, problems } = loadPaths([at('samples')]);
    assert.deepEqual(problems, []);
    assert.ok(resources.length >= 30, `expected the whole sample set, got ${resources.length}`);
    for (const r of resources) {
      const result = validateResource(r.resource);
      assert.deepEqual(result.diagnostics, [], `${r.source?.file}: ${r.resource.kind} ${r.resource.metadata?.name}`);
    }
  });

  const base = ['samples/bookinfo/platform', 'samples/bookinfo/offline', 'samples/bookinfo/networking/bookinfo-gateway.yaml', 'samples/bookinfo/networking/destination-rule-all.yaml'];
  const scenarios = readdirSync(at('samples/bookinfo/networking')).filter((f) => f.startsWith('virtual-service-'));
  assert.ok(scenarios.length >= 6);
  for (const scenario of scenarios) {
    it(`${scenario} analyses clean with the platform and destination rules`, () => {
      const { resources } = loadPaths([...base, `samples/bookinfo/networking/${scenario}`].map(at));
      const { messages } = analyzeResources(resources, { allNamespaces: true });
      assert.deepEqual(messages.map(renderMessage), []);
    });
  }

  it('mTLS rules and strict peer authentication analyse clean', () => {
    const { resources } = loadPaths(['samples/bookinfo/platform', 'samples/bookinfo/offline', 'samples/bookinfo/networking/destination-rule-all-mtls.yaml', 'samples/bookinfo/security'].map(at));
    const { messages } = analyzeResources(resources, { allNamespaces: true });
    assert.deepEqual(messages.map(renderMessage), []);
  });

  it('the analyser does see problems in the samples when a reference breaks', () => {
    const { resources } = loadPaths(['samples/bookinfo/platform', 'samples/bookinfo/offline', 'samples/bookinfo/networking/virtual-service-all-v1.yaml'].map(at));
    const { messages } = analyzeResources(resources, { allNamespaces: true });
    assert.ok(messages.some((m) => m.type.code === 'IST0101'), 'subsets without their DestinationRules must be reported');
  });
});
