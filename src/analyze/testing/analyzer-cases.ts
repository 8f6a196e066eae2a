import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadText } from '../../config/load.js';
import type { Analyzer } from '../analyzer.js';
import { renderMessage } from '../message.js';
import { analyzeResources, type AnalyzeOptions } from '../run.js';

/**
 * One table row: YAML input and the messages one analyzer must give. Each `expect` entry must
 * be a substring of a rendered message (`Error [IST0101] (VirtualService default/x t.yaml:9) ...`),
 * and the number of messages must equal the number of entries.
 */
export interface AnalyzerCase {
  name: string;
  yaml: string;
  expect: readonly string[];
  options?: AnalyzeOptions;
}

/** Runs the analyzer alone over a case's YAML (as file `t.yaml`, all namespaces) and renders what it reports. */
export function analyzeYaml(analyzer: Analyzer, yaml: string, options: AnalyzeOptions = {}): string[] {
  const { resources, problems } = loadText(yaml, 't.yaml');
  assert.deepEqual(problems, [], 'test YAML must parse');
  return analyzeResources(resources, { allNamespaces: true, ...options, analyzers: [analyzer] }).messages.map(renderMessage);
}

/** Runs a table of cases for one analyzer as a `describe` block. */
export function runAnalyzerCases(analyzer: Analyzer, cases: readonly AnalyzerCase[]): void {
  describe(`analyzer ${analyzer.name}`, () => {
    for (const c of cases) {
      it(c.name, () => {
        const got = analyzeYaml(analyzer, c.yaml, c.options);
        for (const want of c.expect) assert.ok(got.some((g) => g.includes(want)), `no message contains ${JSON.stringify(want)}; got:\n${got.join('\n') || '(none)'}`);
        assert.equal(got.length, c.expect.length, `expected ${c.expect.length} message(s), got:\n${got.join('\n') || '(none)'}`);
      });
    }
  });
}
