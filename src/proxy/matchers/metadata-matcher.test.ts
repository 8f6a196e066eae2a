import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileMetadataMatcher, type DynamicMetadata } from './metadata-matcher.js';

const JWT = 'envoy.filters.http.jwt_authn';
const md: DynamicMetadata = {
  [JWT]: {
    payload: {
      iss: 'https://issuer.example',
      sub: 'alice',
      groups: ['dev', 'ops'],
      nested: { team: 'Blue', level: 3, admin: true, none: null },
    },
  },
};

function matcher(path: string[], value: unknown, extra: Record<string, unknown> = {}): unknown {
  return { filter: JWT, path: path.map((key) => ({ key })), value, ...extra };
}

describe('compileMetadataMatcher', () => {
  const cases: { name: string; raw: unknown; metadata?: DynamicMetadata; want: boolean }[] = [
    { name: 'exact string', raw: matcher(['payload', 'iss'], { string_match: { exact: 'https://issuer.example' } }), want: true },
    { name: 'exact string mismatch', raw: matcher(['payload', 'sub'], { string_match: { exact: 'bob' } }), want: false },
    { name: 'camelCase fields', raw: { filter: JWT, path: [{ key: 'payload' }, { key: 'sub' }], value: { stringMatch: { prefix: 'ali' } } }, want: true },
    { name: 'ignore_case', raw: matcher(['payload', 'nested', 'team'], { string_match: { exact: 'blue', ignore_case: true } }), want: true },
    { name: 'case sensitive by default', raw: matcher(['payload', 'nested', 'team'], { string_match: { exact: 'blue' } }), want: false },
    { name: 'safe_regex full match', raw: matcher(['payload', 'sub'], { string_match: { safe_regex: { regex: 'a.*e' } } }), want: true },
    { name: 'safe_regex partial does not match', raw: matcher(['payload', 'sub'], { string_match: { safe_regex: { regex: 'lic' } } }), want: false },
    { name: 'string matcher on a number', raw: matcher(['payload', 'nested', 'level'], { string_match: { exact: '3' } }), want: false },
    { name: 'double exact', raw: matcher(['payload', 'nested', 'level'], { double_match: { exact: 3 } }), want: true },
    { name: 'double range start inclusive', raw: matcher(['payload', 'nested', 'level'], { double_match: { range: { start: 3, end: 4 } } }), want: true },
    { name: 'double range end exclusive', raw: matcher(['payload', 'nested', 'level'], { double_match: { range: { start: 1, end: 3 } } }), want: false },
    { name: 'bool', raw: matcher(['payload', 'nested', 'admin'], { bool_match: true }), want: true },
    { name: 'bool mismatch', raw: matcher(['payload', 'nested', 'admin'], { bool_match: false }), want: false },
    { name: 'null', raw: matcher(['payload', 'nested', 'none'], { null_match: {} }), want: true },
    { name: 'null on absent', raw: matcher(['payload', 'nested', 'missing'], { null_match: {} }), want: false },
    { name: 'present', raw: matcher(['payload', 'nested'], { present_match: true }), want: true },
    { name: 'present on absent', raw: matcher(['payload', 'missing'], { present_match: true }), want: false },
    { name: 'present inverted on absent', raw: matcher(['payload', 'missing'], { present_match: true }, { invert: true }), want: true },
    { name: 'present_match false never matches', raw: matcher(['payload', 'missing'], { present_match: false }), want: false },
    { name: 'list one_of', raw: matcher(['payload', 'groups'], { list_match: { one_of: { string_match: { exact: 'ops' } } } }), want: true },
    { name: 'list one_of none', raw: matcher(['payload', 'groups'], { list_match: { one_of: { string_match: { exact: 'qa' } } } }), want: false },
    { name: 'list matcher on a scalar', raw: matcher(['payload', 'sub'], { list_match: { one_of: { string_match: { exact: 'alice' } } } }), want: false },
    { name: 'string matcher on a list', raw: matcher(['payload', 'groups'], { string_match: { exact: 'dev' } }), want: false },
    { name: 'or_match', raw: matcher(['payload', 'sub'], { or_match: { value_matchers: [{ string_match: { exact: 'bob' } }, { string_match: { exact: 'alice' } }] } }), want: true },
    { name: 'invert', raw: matcher(['payload', 'sub'], { string_match: { exact: 'alice' } }, { invert: true }), want: false },
    { name: 'path through a scalar', raw: matcher(['payload', 'sub', 'deeper'], { present_match: true }), want: false },
    { name: 'other namespace', raw: { filter: 'envoy.filters.http.rbac', path: [{ key: 'x' }], value: { present_match: true } }, want: false },
    { name: 'no metadata at all', raw: matcher(['payload', 'sub'], { string_match: { exact: 'alice' } }), metadata: undefined, want: false },
    { name: 'no metadata, inverted', raw: matcher(['payload', 'sub'], { string_match: { exact: 'alice' } }, { invert: true }), metadata: undefined, want: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = compileMetadataMatcher(c.raw);
      assert.equal(m('metadata' in c ? c.metadata : md), c.want);
    });
  }

  const bad: { name: string; raw: unknown; error: string }[] = [
    { name: 'no filter', raw: { path: [{ key: 'a' }], value: { present_match: true } }, error: 'm.filter: is required' },
    { name: 'empty path', raw: { filter: JWT, path: [], value: { present_match: true } }, error: 'm.path: at least one segment is required' },
    { name: 'no value', raw: { filter: JWT, path: [{ key: 'a' }] }, error: 'm.value: a ValueMatcher is required' },
    { name: 'empty value', raw: { filter: JWT, path: [{ key: 'a' }], value: {} }, error: 'm.value: one of null_match' },
    { name: 'bad regex', raw: matcher(['a'], { string_match: { safe_regex: { regex: '(' } } }), error: 'm.value.string_match.safe_regex.regex: invalid RE2 regex' },
    { name: 'empty prefix', raw: matcher(['a'], { string_match: { prefix: '' } }), error: 'm.value.string_match.prefix: must not be empty' },
    { name: 'custom string matcher', raw: matcher(['a'], { string_match: { custom: { name: 'x' } } }), error: 'm.value.string_match.custom: custom string matchers are not supported' },
    { name: 'inverted range', raw: matcher(['a'], { double_match: { range: { start: 5, end: 1 } } }), error: 'm.value.double_match.range: start 5 is after end 1' },
    { name: 'bad list item', raw: matcher(['a'], { list_match: { one_of: {} } }), error: 'm.value.list_match.one_of: one of' },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => compileMetadataMatcher(c.raw, 'm'),
        (err: Error & { code?: string }) => err.code === 'PLEXUS_ERR_INVALID_CONFIG' && err.message.includes(c.error),
      );
    });
  }
});
