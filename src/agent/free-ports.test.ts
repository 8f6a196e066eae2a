import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePorts, releasePorts } from './free-ports.js';

describe('freePorts with reservations', () => {
  it('claims each port for this process, never twice, and releases the claims', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'plexus-ports-')), 'ports');
    try {
      const a = await freePorts(12, '127.0.0.1', dir);
      const b = await freePorts(12, '127.0.0.1', dir);
      assert.equal(new Set([...a, ...b]).size, 24, 'no port handed out twice while claimed');
      for (const p of [...a, ...b]) assert.equal(readFileSync(join(dir, String(p)), 'utf8'), String(process.pid));
      releasePorts(dir, a);
      assert.deepEqual(readdirSync(dir).map(Number).sort(), [...b].sort());
      // A claim of another process (pid 1 here) is left alone by release.
      writeFileSync(join(dir, '1'), '1');
      releasePorts(dir, [1, ...b]);
      assert.deepEqual(readdirSync(dir), ['1']);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
