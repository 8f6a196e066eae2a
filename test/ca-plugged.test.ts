import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createKeyAndCsr } from '../src/agent/workload-key.js';
import { CertificateAuthority } from '../src/ca/certificate-authority.js';
import { createIntermediateCa, createSelfSignedRoot } from '../src/ca/root-certificate.js';
import { loadSigner } from '../src/ca/signer.js';
import { openssl, silent, tempDir } from './ca-support.js';

const ID = { trustDomain: 'cluster.local', namespace: 'bookinfo', serviceAccount: 'productpage' };

/** Writes an Istio-style cacerts dir: an offline root and an intermediate it signed. */
async function makeCacerts(dir: string): Promise<{ rootPem: string; intermediatePem: string }> {
  const root = await createSelfSignedRoot({ keyAlgorithm: 'ec-p256', trustDomain: 'cluster.local' });
  const rootSigner = await loadSigner(root.certPem, root.keyPem, 'test root');
  const inter = await createIntermediateCa({ issuer: rootSigner, keyAlgorithm: 'ec-p256', trustDomain: 'cluster.local', commonName: 'cluster-1 intermediate' });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ca-cert.pem'), inter.certPem);
  writeFileSync(join(dir, 'ca-key.pem'), inter.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'root-cert.pem'), root.certPem);
  writeFileSync(join(dir, 'cert-chain.pem'), inter.certPem + root.certPem);
  return { rootPem: root.certPem, intermediatePem: inter.certPem };
}

function verify(dir: string, rootPem: string, chain: string[]): { status: number; out: string } {
  writeFileSync(join(dir, 'root-cert.pem'), rootPem);
  writeFileSync(join(dir, 'chain.pem'), chain.slice(1).join(''));
  writeFileSync(join(dir, 'leaf.pem'), chain[0]);
  const r = openssl(['verify', '-CAfile', join(dir, 'root-cert.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')]);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('plugged-in CA (Istio cacerts layout)', () => {
  it('signs with the intermediate; the chain goes through it to the given root', async () => {
    const tmp = tempDir('ca-plugged');
    try {
      const files = await makeCacerts(join(tmp.dir, 'cacerts'));
      const ca = await CertificateAuthority.open({ home: join(tmp.dir, 'home'), cacertsDir: join(tmp.dir, 'cacerts'), logger: silent });
      assert.ok(ca.isPlugged);
      const chain = await ca.sign((await createKeyAndCsr('ec-p256')).csrPem, ID, 0);
      assert.equal(chain.length, 3, 'leaf, intermediate, root');
      assert.equal(new X509Certificate(chain[1]).raw.toString('hex'), new X509Certificate(files.intermediatePem).raw.toString('hex'));
      assert.equal(chain[2].trim(), files.rootPem.trim());
      const leaf = new X509Certificate(chain[0]);
      assert.ok(leaf.checkIssued(new X509Certificate(files.intermediatePem)));
      const ok = verify(tmp.dir, files.rootPem, chain);
      assert.equal(ok.status, 0, ok.out);
      // Without the intermediate the leaf cannot reach the root: the chain really goes through it.
      const cut = verify(tmp.dir, files.rootPem, [chain[0], chain[2]]);
      assert.notEqual(cut.status, 0);
      // And another root does not accept it.
      const stranger = await createSelfSignedRoot({ keyAlgorithm: 'ec-p256', trustDomain: 'cluster.local' });
      assert.notEqual(verify(tmp.dir, stranger.certPem, chain).status, 0);
      await assert.rejects(ca.rotateRoot(), { code: 'PLEXUS_ERR_CA_ROTATION' });
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses files that do not belong together', async () => {
    const tmp = tempDir('ca-plugged-bad');
    try {
      await makeCacerts(join(tmp.dir, 'a'));
      await makeCacerts(join(tmp.dir, 'b'));
      writeFileSync(join(tmp.dir, 'a', 'ca-key.pem'), readFileSync(join(tmp.dir, 'b', 'ca-key.pem')));
      await assert.rejects(CertificateAuthority.open({ cacertsDir: join(tmp.dir, 'a'), logger: silent }), { code: 'PLEXUS_ERR_CA_MATERIAL', message: /does not belong/ });
      writeFileSync(join(tmp.dir, 'b', 'root-cert.pem'), readFileSync(join(tmp.dir, 'a', 'root-cert.pem')));
      await assert.rejects(CertificateAuthority.open({ cacertsDir: join(tmp.dir, 'b'), logger: silent }), { code: 'PLEXUS_ERR_CA_MATERIAL', message: /does not chain/ });
      await assert.rejects(CertificateAuthority.open({ cacertsDir: join(tmp.dir, 'missing'), logger: silent }), { code: 'PLEXUS_ERR_CA_MATERIAL' });
    } finally {
      tmp.cleanup();
    }
  });
});

describe('self-signed root persistence', () => {
  it('a restart keeps the same root and token key; old certificates still verify', async () => {
    const tmp = tempDir('ca-restart');
    try {
      const first = await CertificateAuthority.open({ home: tmp.dir, logger: silent });
      const token = first.mintWorkloadToken({ namespace: 'bookinfo', serviceAccount: 'productpage' });
      const oldChain = await first.sign((await createKeyAndCsr('ec-p256')).csrPem, ID, 0);
      const second = await CertificateAuthority.open({ home: tmp.dir, logger: silent });
      assert.equal(second.trustBundlePem(), first.trustBundlePem());
      assert.deepEqual(second.verifyWorkloadToken(token), ID, 'tokens minted before the restart still work');
      const v = verify(tmp.dir, second.trustBundlePem(), oldChain);
      assert.equal(v.status, 0, v.out);
      const newChain = await second.sign((await createKeyAndCsr('ec-p256')).csrPem, ID, 0);
      assert.equal(newChain[1], oldChain[1]);
      assert.equal(readFileSync(join(tmp.dir, 'ca', 'root-cert.pem'), 'utf8'), second.trustBundlePem());
    } finally {
      tmp.cleanup();
    }
  });

  it('a root rotation survives a restart and keeps both roots trusted', async () => {
    const tmp = tempDir('ca-rotate-restart');
    try {
      const first = await CertificateAuthority.open({ home: tmp.dir, logger: silent });
      const oldChain = await first.sign((await createKeyAndCsr('ec-p256')).csrPem, ID, 0);
      const { activatesAt } = await first.rotateRoot({ activateAfterSeconds: 3600 });
      assert.ok(activatesAt.getTime() > Date.now());
      const second = await CertificateAuthority.open({ home: tmp.dir, logger: silent });
      assert.equal(second.trustBundlePem().match(/BEGIN CERTIFICATE/g)?.length, 2);
      const stillOld = await second.sign((await createKeyAndCsr('ec-p256')).csrPem, ID, 0);
      assert.equal(new X509Certificate(stillOld[0]).issuer, new X509Certificate(oldChain[0]).issuer);
      assert.ok(new X509Certificate(stillOld[0]).checkIssued(new X509Certificate(oldChain[1])), 'signs with the old root until activation');
    } finally {
      tmp.cleanup();
    }
  });
});
