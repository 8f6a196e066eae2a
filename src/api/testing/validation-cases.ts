import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { validateResource } from '../validate.js';

/**
 * One table row: a resource as YAML and the verdict Istio would give. `error` and
 * `warning` match a diagnostic's `path: message` text, so a case pins the field too.
 */
export interface ValidationCase {
  name: string;
  yaml: string;
  valid: boolean;
  /** Expected error (substring or regex over `path: message`); required when invalid. */
  error?: string | RegExp;
  /** Expected warning (substring or regex over `path: message`). */
  warning?: string | RegExp;
  /** When true, the resource must produce no warning at all. */
  noWarnings?: boolean;
}

const matches = (text: string, want: string | RegExp): boolean => (typeof want === 'string' ? text.includes(want) : want.test(text));

/** Runs a table of validation cases as one `describe` block. */
export function runValidationCases(title: string, cases: readonly ValidationCase[]): void {
  describe(`validation: ${title}`, () => {
    for (const c of cases) {
      it(`${c.valid ? 'accepts' : 'rejects'}: ${c.name}`, () => {
        const result = validateResource(parse(c.yaml));
        const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
        const warnings = result.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.path}: ${d.message}`);
        if (c.valid) assert.deepEqual(errors, [], `expected valid, got errors:\n${errors.join('\n')}`);
        else {
          assert.ok(errors.length > 0, 'expected an error, got none');
          if (c.error) assert.ok(errors.some((e) => matches(e, c.error!)), `no error matches ${String(c.error)}; got:\n${errors.join('\n')}`);
        }
        if (c.warning) assert.ok(warnings.some((w) => matches(w, c.warning!)), `no warning matches ${String(c.warning)}; got:\n${warnings.join('\n') || '(none)'}`);
        if (c.noWarnings) assert.deepEqual(warnings, []);
      });
    }
  });
}
