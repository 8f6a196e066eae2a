import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { sidecarXdsFlags, writeMeshRootFile } from './sidecar-xds-flags.js';

describe('the xDS flags of launched sidecars', () => {
  const cases = [
    { name: '15012 open, mesh root given: TLS for xDS and the CA', t: { host: '198.18.0.1', xdsPort: 15010, xdsTlsPort: 15012, rootFile: '/run/r.pem' }, want: ['--controller', '198.18.0.1:15012', '--xds-tls', '--xds-root-cert', '/run/r.pem'], warned: 0 },
    { name: '15012 open, no root: TLS for xDS, the token to the plaintext CA', t: { host: '127.0.0.1', xdsPort: 40010, xdsTlsPort: 40012 }, want: ['--controller', '127.0.0.1:40012', '--xds-tls', '--ca-address', '127.0.0.1:40010'], warned: 0 },
    { name: 'no 15012 (controller without a CA): plaintext, with a warning', t: { host: '127.0.0.1', xdsPort: 40010, rootFile: '/run/r.pem' }, want: ['--controller', '127.0.0.1:40010'], warned: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const lines: Array<{ level: number; msg: string }> = [];
      const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
      assert.deepEqual(sidecarXdsFlags(c.t, log), c.want);
      const warnings = lines.filter((l) => l.level === 40);
      assert.equal(warnings.length, c.warned);
      if (c.warned) assert.match(warnings[0]!.msg, /plaintext xDS, and Secrets \(credentialName\) will not be served/);
    });
  }

  it('copies the controller\'s trust bundle readable by all, or nothing when there is none', () => {
    const home = mkdtempSync(join(tmpdir(), 'sidecar-root-'));
    try {
      assert.equal(writeMeshRootFile(home, join(home, 'out.pem')), undefined);
      mkdirSync(join(home, 'ca'));
      writeFileSync(join(home, 'ca', 'root-cert.pem'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
      const dest = writeMeshRootFile(home, join(home, 'out.pem'));
      assert.equal(dest, join(home, 'out.pem'));
      assert.equal(readFileSync(dest, 'utf8'), readFileSync(join(home, 'ca', 'root-cert.pem'), 'utf8'));
      assert.equal(statSync(dest).mode & 0o777, 0o444);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
