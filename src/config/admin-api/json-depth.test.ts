import assert from 'node:assert/strict';
import { it } from 'node:test';
import { jsonNestingExceeds } from './json-depth.js';

it('measures JSON nesting without parsing, ignoring brackets inside strings', () => {
  const cases: Array<[string, number, boolean]> = [
    ['{}', 1, false],
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":2}]}', 2, true],
    ['["[[[[[[", "{{{{"]', 1, false],
    ['["\\"[[[["]', 1, false],
    [`${'['.repeat(1000)}${']'.repeat(1000)}`, 999, true],
    ['"just a string"', 0, false],
  ];
  for (const [text, limit, exceeds] of cases) assert.equal(jsonNestingExceeds(text, limit), exceeds, `${text.slice(0, 30)} limit ${limit}`);
});
