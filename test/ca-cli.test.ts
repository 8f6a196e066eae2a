import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import type { CliIO } from '../src/cli/command.js';
import { xCommand } from '../src/cli/x-ca.js';
import { silent, tempDir } from './ca-support.js';

function io(): CliIO & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), stdin: () => '', env: {} };
}

it('plexus x ca root prints the trust bundle; x ca inspect describes a chain', async () => {
  const tmp = tempDir('ca-cli');
  try {
    await assert.rejects(xCommand.run(['ca', 'root', '--home', tmp.dir], io()), { code: 'PLEXUS_ERR_CA_MATERIAL' });
    const ca = await CertificateAuthority.open({ home: tmp.dir, logger: silent });
    const r = io();
    assert.equal(await xCommand.run(['ca', 'root', '--home', tmp.dir], r), 0);
    assert.equal(r.out.join(''), ca.trustBundlePem());

    const chain = await ca.sign((await createKeyAndCsr('ec-p256')).csrPem, { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'sleep' }, 0);
    writeFileSync(join(tmp.dir, 'chain.pem'), chain.join(''));
    const i = io();
    assert.equal(await xCommand.run(['ca', 'inspect', join(tmp.dir, 'chain.pem')], i), 0);
    const text = i.out.join('');
    assert.match(text, /Certificate 1 of 2/);
    assert.match(text, /SANs: +URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/sleep/);
    assert.match(text, /Key: +EC prime256v1/);
    assert.match(text, /Ext\. usage: +serverAuth, clientAuth/);
    assert.match(text, /Subject: +O=cluster\.local/);
    await assert.rejects(xCommand.run(['ca', 'nope'], io()), { code: 'PLEXUS_ERR_USAGE' });
  } finally {
    tmp.cleanup();
  }
});
