import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CODES } from './errors.js';

// docs/errors.md is the user-facing list of error codes; it must say exactly what the table says.
it('docs/errors.md lists every error code with its description, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `(PLEXUS_ERR_[A-Z_]+)` \| (.+?) \|$/gm)].map((m) => [m[1], m[2]]));
  for (const [code, description] of Object.entries(ERROR_CODES)) {
    assert.equal(rows.get(code), description, `docs/errors.md: row for ${code} missing or different`);
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ERROR_CODES).sort(), 'docs/errors.md lists codes that the table does not have');
});
