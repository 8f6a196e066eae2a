import assert from 'node:assert/strict';
import { it } from 'node:test';
import { resolveHome } from './home.js';

it('resolves the home from --home, then $PLEXUS_HOME, then ~/.plexus', () => {
  assert.equal(resolveHome('/a/b', { PLEXUS_HOME: '/c', HOME: '/h' }), '/a/b');
  assert.equal(resolveHome(undefined, { PLEXUS_HOME: '/c', HOME: '/h' }), '/c');
  assert.equal(resolveHome(undefined, { HOME: '/h' }), '/h/.plexus');
  assert.equal(resolveHome('', { HOME: '/h' }), '/h/.plexus');
});
