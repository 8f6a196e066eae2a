import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalizePath, mergeSlashes, normalizationEnabled, normalizeRequestPath, unescapeSlashes, type PathNormalization, type PathVerdict } from './path-normalization.js';

// meshConfig.pathNormalization modes as istiod writes them into the HCM.
const MODES: Record<'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES', PathNormalization> = {
  NONE: { normalizePath: false, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' },
  BASE: { normalizePath: true, mergeSlashes: false, escapedSlashesAction: 'KEEP_UNCHANGED' },
  MERGE_SLASHES: { normalizePath: true, mergeSlashes: true, escapedSlashesAction: 'KEEP_UNCHANGED' },
  DECODE_AND_MERGE_SLASHES: { normalizePath: true, mergeSlashes: true, escapedSlashesAction: 'UNESCAPE_AND_FORWARD' },
};

type Mode = keyof typeof MODES;
/** Input path, then the expected result per mode (`400` = rejected). */
const TABLE: ReadonlyArray<readonly [string, Record<Mode, string | 400>]> = [
  ['/', { NONE: '/', BASE: '/', MERGE_SLASHES: '/', DECODE_AND_MERGE_SLASHES: '/' }],
  ['/shop/cart', { NONE: '/shop/cart', BASE: '/shop/cart', MERGE_SLASHES: '/shop/cart', DECODE_AND_MERGE_SLASHES: '/shop/cart' }],
  ['/public/../private', { NONE: '/public/../private', BASE: '/private', MERGE_SLASHES: '/private', DECODE_AND_MERGE_SLASHES: '/private' }],
  ['/a/./b/./c', { NONE: '/a/./b/./c', BASE: '/a/b/c', MERGE_SLASHES: '/a/b/c', DECODE_AND_MERGE_SLASHES: '/a/b/c' }],
  ['/one/two/../../../../three', { NONE: '/one/two/../../../../three', BASE: '/three', MERGE_SLASHES: '/three', DECODE_AND_MERGE_SLASHES: '/three' }],
  ['/dir/sub/..', { NONE: '/dir/sub/..', BASE: '/dir/', MERGE_SLASHES: '/dir/', DECODE_AND_MERGE_SLASHES: '/dir/' }],
  ['/dir/.', { NONE: '/dir/.', BASE: '/dir/', MERGE_SLASHES: '/dir/', DECODE_AND_MERGE_SLASHES: '/dir/' }],
  ['/docs//v1', { NONE: '/docs//v1', BASE: '/docs//v1', MERGE_SLASHES: '/docs/v1', DECODE_AND_MERGE_SLASHES: '/docs/v1' }],
  ['/docs///', { NONE: '/docs///', BASE: '/docs///', MERGE_SLASHES: '/docs/', DECODE_AND_MERGE_SLASHES: '/docs/' }],
  // An empty segment before `..` is the one removed.
  ['/keep//../drop', { NONE: '/keep//../drop', BASE: '/keep/drop', MERGE_SLASHES: '/keep/drop', DECODE_AND_MERGE_SLASHES: '/keep/drop' }],
  // Unreserved escapes decode (also into dot segments); reserved ones stay as written.
  ['/item%2Dlist/%7Euser', { NONE: '/item%2Dlist/%7Euser', BASE: '/item-list/~user', MERGE_SLASHES: '/item-list/~user', DECODE_AND_MERGE_SLASHES: '/item-list/~user' }],
  ['/files/%2e%2E/secret', { NONE: '/files/%2e%2E/secret', BASE: '/secret', MERGE_SLASHES: '/secret', DECODE_AND_MERGE_SLASHES: '/secret' }],
  ['/files/.%2e/secret', { NONE: '/files/.%2e/secret', BASE: '/secret', MERGE_SLASHES: '/secret', DECODE_AND_MERGE_SLASHES: '/secret' }],
  ['/v%31..//x', { NONE: '/v%31..//x', BASE: '/v1..//x', MERGE_SLASHES: '/v1../x', DECODE_AND_MERGE_SLASHES: '/v1../x' }],
  ['/q%3Fa%20b', { NONE: '/q%3Fa%20b', BASE: '/q%3Fa%20b', MERGE_SLASHES: '/q%3Fa%20b', DECODE_AND_MERGE_SLASHES: '/q%3Fa%20b' }],
  ['/utf/%e2%82%ac', { NONE: '/utf/%e2%82%ac', BASE: '/utf/%e2%82%ac', MERGE_SLASHES: '/utf/%e2%82%ac', DECODE_AND_MERGE_SLASHES: '/utf/%e2%82%ac' }],
  // Backslashes are separators once normalised.
  ['/win\\dows\\..\\sys', { NONE: '/win\\dows\\..\\sys', BASE: '/win/sys', MERGE_SLASHES: '/win/sys', DECODE_AND_MERGE_SLASHES: '/win/sys' }],
  ['/b\\\\/\\c', { NONE: '/b\\\\/\\c', BASE: '/b////c', MERGE_SLASHES: '/b/c', DECODE_AND_MERGE_SLASHES: '/b/c' }],
  // Escaped slashes: kept unless DECODE_AND_MERGE_SLASHES, which also turns %5C into a separator.
  ['/api%2Fv2/users', { NONE: '/api%2Fv2/users', BASE: '/api%2Fv2/users', MERGE_SLASHES: '/api%2Fv2/users', DECODE_AND_MERGE_SLASHES: '/api/v2/users' }],
  ['/a%2f%2F..%2fb', { NONE: '/a%2f%2F..%2fb', BASE: '/a%2f%2F..%2fb', MERGE_SLASHES: '/a%2f%2F..%2fb', DECODE_AND_MERGE_SLASHES: '/a/b' }],
  ['/x%5cy%5C..%5cz', { NONE: '/x%5cy%5C..%5cz', BASE: '/x%5cy%5C..%5cz', MERGE_SLASHES: '/x%5cy%5C..%5cz', DECODE_AND_MERGE_SLASHES: '/x/z' }],
  // A lone or malformed `%` stays literal.
  ['/100%/off%zz', { NONE: '/100%/off%zz', BASE: '/100%/off%zz', MERGE_SLASHES: '/100%/off%zz', DECODE_AND_MERGE_SLASHES: '/100%/off%zz' }],
  // Raw characters that may not stand unescaped.
  ['/say "hi"<>', { NONE: '/say "hi"<>', BASE: '/say%20%22hi%22%3C%3E', MERGE_SLASHES: '/say%20%22hi%22%3C%3E', DECODE_AND_MERGE_SLASHES: '/say%20%22hi%22%3C%3E' }],
  // An escaped NUL breaks the path: 400 wherever the path is normalised.
  ['/bad%00name', { NONE: '/bad%00name', BASE: 400, MERGE_SLASHES: 400, DECODE_AND_MERGE_SLASHES: 400 }],
  ['/x/%%0000', { NONE: '/x/%%0000', BASE: 400, MERGE_SLASHES: 400, DECODE_AND_MERGE_SLASHES: 400 }],
  // The query is never touched; the fragment is always dropped.
  ['/a/../b?next=/c/../d&x=%2F', { NONE: '/a/../b?next=/c/../d&x=%2F', BASE: '/b?next=/c/../d&x=%2F', MERGE_SLASHES: '/b?next=/c/../d&x=%2F', DECODE_AND_MERGE_SLASHES: '/b?next=/c/../d&x=%2F' }],
  ['/page//x#section/../y', { NONE: '/page//x', BASE: '/page//x', MERGE_SLASHES: '/page/x', DECODE_AND_MERGE_SLASHES: '/page/x' }],
  ['/only?q=a//b', { NONE: '/only?q=a//b', BASE: '/only?q=a//b', MERGE_SLASHES: '/only?q=a//b', DECODE_AND_MERGE_SLASHES: '/only?q=a//b' }],
];

function outcome(v: PathVerdict): string | 400 {
  return v.action === 'reject' ? 400 : v.path;
}

describe('path normalisation (meshConfig.pathNormalization modes)', () => {
  for (const mode of Object.keys(MODES) as Mode[]) {
    it(`${mode}: ${TABLE.length} cases`, () => {
      let checked = 0;
      for (const [input, want] of TABLE) {
        assert.equal(outcome(normalizeRequestPath(input, MODES[mode])), want[mode], `${mode} ${JSON.stringify(input)}`);
        checked++;
      }
      assert.equal(checked, TABLE.length);
    });
  }

  it('normalising an already normal path changes nothing (idempotent)', () => {
    for (const [input] of TABLE) {
      for (const mode of ['BASE', 'MERGE_SLASHES', 'DECODE_AND_MERGE_SLASHES'] as const) {
        const once = normalizeRequestPath(input, MODES[mode]);
        if (once.action === 'reject') continue;
        assert.deepEqual(normalizeRequestPath(once.path, MODES[mode]), once, `${mode} ${input}`);
      }
    }
  });

  it('escaped slashes: REJECT_REQUEST refuses, UNESCAPE_AND_REDIRECT redirects, paths without them continue', () => {
    const reject: PathNormalization = { normalizePath: true, mergeSlashes: false, escapedSlashesAction: 'REJECT_REQUEST' };
    const redirect: PathNormalization = { normalizePath: true, mergeSlashes: true, escapedSlashesAction: 'UNESCAPE_AND_REDIRECT' };
    assert.deepEqual(normalizeRequestPath('/a%2Fb', reject), { action: 'reject' });
    assert.deepEqual(normalizeRequestPath('/a/b', reject), { action: 'continue', path: '/a/b' });
    assert.deepEqual(normalizeRequestPath('/a%2f%2fb?x=1', redirect), { action: 'redirect', path: '/a/b?x=1' });
    assert.deepEqual(normalizeRequestPath('/a//b', redirect), { action: 'continue', path: '/a/b' });
  });

  it('building blocks', () => {
    assert.equal(canonicalizePath('no/leading'), '/no/leading');
    assert.equal(canonicalizePath('/nul\0'), undefined);
    assert.equal(mergeSlashes('/a////b//'), '/a/b/');
    assert.deepEqual(unescapeSlashes('/a%2fb%5Cc'), { path: '/a/b\\c', found: true });
    assert.deepEqual(unescapeSlashes('/a%2gb'), { path: '/a%2gb', found: false });
    assert.equal(normalizationEnabled(MODES.NONE), false);
    assert.equal(normalizationEnabled(MODES.BASE), true);
    assert.equal(normalizationEnabled({ ...MODES.NONE, escapedSlashesAction: 'REJECT_REQUEST' }), true);
  });
});
