// Secrets in the store, as a user meets them: `plexus apply` of a Secret against a real
// `plexus controller` child process, the file the directory store writes (mode 0600), `plexus get`
// with and without --show-secrets, the admin API and /debug/configz, the IST0101 warning for a
// credentialName with no Secret, and no key material in any error or log.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { makeTestAuthority, makeTestCredential, tlsSecretResource, type TestCredential } from '../src/api/kinds/secret/testing-credentials.js';
import { tempDir } from './ca-support.js';
import { ControllerProcess, plexus } from './support/controller-process.js';

const NET = 'networking.istio.io/v1';

describe('Secrets in the store: file mode, redaction, warnings', { timeout: 90_000 }, () => {
  const tmp = tempDir('secrets-store');
  const home = join(tmp.dir, 'home');
  let c: ControllerProcess;
  let cred: TestCredential;
  let other: TestCredential;
  /** Distinctive slices of the key material that must never show up where they should not. */
  let needles: string[];

  const file = (name: string, docs: unknown[]): string => {
    const f = join(tmp.dir, `${name}.yaml`);
    writeFileSync(f, docs.map((d) => stringify(d)).join('---\n'));
    return f;
  };
  const leaks = (text: string): string[] => needles.filter((n) => text.includes(n));

  before(async () => {
    const ca = await makeTestAuthority('store-ca');
    cred = await makeTestCredential(ca, ['shop.example.com']);
    other = await makeTestCredential(ca, ['other.example.com']);
    const b64Key = Buffer.from(cred.keyPem).toString('base64');
    needles = [cred.keyPem.split('\n')[1]!.slice(0, 24), b64Key.slice(40, 72), Buffer.from(other.keyPem).toString('base64').slice(40, 72), other.keyPem.split('\n')[1]!.slice(0, 24)];
    c = await ControllerProcess.start(home);
  });
  after(async () => {
    await c?.stop();
    tmp.cleanup();
  });

  it('apply stores a Secret in a file only its owner can read (0600)', async () => {
    const run = await plexus(['apply', '--home', home, '-f', file('secret', [tlsSecretResource('shop-cert', 'istio-system', cred)])]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /secret\/shop-cert created/);
    assert.deepEqual(leaks(run.stdout + run.stderr), []);
    const stored = join(home, 'config', 'istio-system', 'secrets', 'shop-cert.yaml');
    assert.equal(statSync(stored).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'config', 'istio-system', 'secrets')).mode & 0o077, 0, 'the folder is not readable by others');
    // The store holds the real value (the controller serves it over SDS).
    assert.ok(readFileSync(stored, 'utf8').includes(Buffer.from(cred.keyPem).toString('base64').slice(0, 40)));
  });

  it('get shows keys with redacted values; --show-secrets shows the values', async () => {
    for (const args of [['-o', 'yaml'], ['-o', 'json'], []]) {
      const run = await plexus(['get', 'secrets', 'shop-cert', '-n', 'istio-system', '--home', home, ...args]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(leaks(run.stdout + run.stderr), [], `get ${args.join(' ')} leaked`);
      if (args.length > 0) assert.match(run.stdout, /tls\.key.*\[redacted\]/);
      else assert.match(run.stdout, /shop-cert\s+kubernetes\.io\/tls\s+2/);
    }
    const list = await plexus(['get', 'secrets', '-A', '-o', 'yaml', '--home', home]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(leaks(list.stdout), []);
    const shown = await plexus(['get', 'secrets', 'shop-cert', '-n', 'istio-system', '-o', 'json', '--show-secrets', '--home', home]);
    assert.equal(shown.code, 0, shown.stderr);
    const doc = JSON.parse(shown.stdout) as { data: Record<string, string> };
    assert.equal(Buffer.from(doc.data['tls.key']!, 'base64').toString('utf8'), cred.keyPem);
  });

  it('the unauthenticated /debug/configz never shows Secret values', async () => {
    const r = await c.monitoring('/debug/configz');
    assert.equal(r.status, 200);
    assert.ok(r.text.includes('shop-cert'));
    assert.deepEqual(leaks(r.text), []);
  });

  it('an invalid Secret is refused naming the field, without echoing the material', async () => {
    const bad = tlsSecretResource('bad-cert', 'istio-system', cred);
    (bad.data as Record<string, string>)['tls.key'] = Buffer.from(other.keyPem).toString('base64');
    const run = await plexus(['apply', '--home', home, '-f', file('bad', [bad])]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /data\["tls\.key"\]: the private key does not belong to the certificate in "tls\.crt"/);
    assert.deepEqual(leaks(run.stdout + run.stderr), []);
    const junk = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'junk', namespace: 'istio-system' }, stringData: { 'tls.crt': cred.certPem, 'tls.key': `${cred.keyPem.slice(0, 60)}garbage` } };
    const run2 = await plexus(['apply', '--home', home, '-f', file('junk', [junk])]);
    assert.equal(run2.code, 1);
    assert.match(run2.stderr, /stringData\["tls\.key"\]/);
    assert.deepEqual(leaks(run2.stdout + run2.stderr), []);
  });

  it('apply warns (IST0101) when a credentialName names no Secret, and not when it does', async () => {
    const gw = (name: string, credentialName: string): unknown => ({
      apiVersion: NET, kind: 'Gateway', metadata: { name, namespace: 'istio-system' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName } }] },
    });
    const missing = await plexus(['apply', '--home', home, '-f', file('gw-missing', [gw('gw-missing', 'nowhere-cert')])]);
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stderr, /Warning: .*spec\.servers\[0\]\.tls\.credentialName.*IST0101 Referenced credentialName not found: "nowhere-cert"/);
    const present = await plexus(['apply', '--home', home, '-f', file('gw-present', [gw('gw-present', 'shop-cert')])]);
    assert.equal(present.code, 0, present.stderr);
    assert.doesNotMatch(present.stderr, /IST0101/);
    // A Secret applied in the same batch counts.
    const batch = await plexus(['apply', '--home', home, '-f', file('gw-batch', [gw('gw-batch', 'batch-cert'), tlsSecretResource('batch-cert', 'istio-system', other)])]);
    assert.equal(batch.code, 0, batch.stderr);
    assert.doesNotMatch(batch.stderr, /IST0101/);
    const dr = { apiVersion: NET, kind: 'DestinationRule', metadata: { name: 'db', namespace: 'shop' }, spec: { host: 'db', workloadSelector: { matchLabels: { app: 'checkout' } }, trafficPolicy: { tls: { mode: 'MUTUAL', credentialName: 'db-client' } } } };
    const drRun = await plexus(['apply', '--home', home, '-f', file('dr', [dr])]);
    assert.equal(drRun.code, 0, drRun.stderr);
    assert.match(drRun.stderr, /spec\.trafficPolicy\.tls\.credentialName.*IST0101 Referenced credentialName not found: "db-client" \(no Secret of that name in namespace "shop"\)/);
    assert.doesNotMatch(drRun.stderr, /applies to gateways only/);
    const { workloadSelector: _omit, ...noSelector } = dr.spec;
    const drAll = await plexus(['apply', '--home', home, '-f', file('dr-all', [{ ...dr, metadata: { name: 'db-all', namespace: 'shop' }, spec: noSelector }])]);
    assert.equal(drAll.code, 0, drAll.stderr);
    assert.match(drAll.stderr, /spec\.trafficPolicy\.tls\.credentialName: warning: credentialName applies to gateways only when the DestinationRule has no workloadSelector/);
  });

  it('the controller log never holds key material', () => {
    assert.ok(c.log.length > 0);
    assert.deepEqual(leaks(c.log), []);
  });
});
