import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderMap } from '../../http/header-map.js';
import type { HeaderChange } from './check-types.js';
import { applyHeaderChanges } from './filter.js';

describe('applyHeaderChanges (HeaderValueOption semantics of ext_authz answers)', () => {
  const cases: { readonly name: string; readonly start: HeaderMap; readonly changes: HeaderChange[]; readonly expect: HeaderMap }[] = [
    { name: 'overwrite replaces', start: { a: '1' }, changes: [{ name: 'a', value: '2', action: 'overwrite' }], expect: { a: '2' } },
    { name: 'overwrite adds when absent', start: {}, changes: [{ name: 'a', value: '2', action: 'overwrite' }], expect: { a: '2' } },
    { name: 'append keeps the old value', start: { a: '1' }, changes: [{ name: 'a', value: '2', action: 'append' }], expect: { a: ['1', '2'] } },
    { name: 'add-if-absent leaves a present header', start: { a: '1' }, changes: [{ name: 'a', value: '2', action: 'add-if-absent' }, { name: 'b', value: '3', action: 'add-if-absent' }], expect: { a: '1', b: '3' } },
    { name: 'overwrite-if-exists leaves an absent header absent', start: { a: '1' }, changes: [{ name: 'a', value: '2', action: 'overwrite-if-exists' }, { name: 'b', value: '3', action: 'overwrite-if-exists' }], expect: { a: '2' } },
    {
      name: 'several overwrites of one name in one answer all survive',
      start: { a: '1' },
      changes: [
        { name: 'a', value: '2', action: 'overwrite' },
        { name: 'a', value: '3', action: 'overwrite' },
      ],
      expect: { a: ['2', '3'] },
    },
    {
      name: 'framing, connection and pseudo headers are never changed',
      start: { 'content-length': '5' },
      changes: [
        { name: 'content-length', value: '0', action: 'overwrite' },
        { name: 'transfer-encoding', value: 'chunked', action: 'append' },
        { name: ':path', value: '/admin', action: 'overwrite' },
      ],
      expect: { 'content-length': '5' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const headers: HeaderMap = { ...c.start };
      applyHeaderChanges(headers, c.changes);
      assert.deepEqual(headers, c.expect);
    });
  }
});
