import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CliIO } from './command.js';
import { main } from './main.js';

/** Runs the CLI in-process, capturing output. */
export async function runCli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stdin: () => stdin, env: {} };
  const code = await main(args, io);
  return { code, out, err };
}

const GOOD = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: default
spec:
  host: reviews
`;
const BAD = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: broken
  namespace: shop
  labels:
    app: "not valid!"
spec:
  hosts: [broken]
  http:
  - route:
    - destination: {host: broken}
`;

describe('plexus validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-validate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'good.yaml'), GOOD);
  writeFileSync(join(dir, 'nested', 'deeper', 'bad.yml'), BAD);
  writeFileSync(join(dir, 'nested', 'notes.txt'), 'not config');

  it('accepts a valid file with exit 0', async () => {
    const r = await runCli(['validate', '-f', join(dir, 'good.yaml')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 resource\(s\) valid/);
  });

  it('names file, line, kind, resource and field for each problem and exits 1', async () => {
    const r = await runCli(['validate', '-f', dir]);
    assert.equal(r.code, 1);
    const bad = join(dir, 'nested', 'deeper', 'bad.yml');
    assert.match(r.out, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7: VirtualService shop/broken: metadata.labels.app: invalid label value`, 'm'));
    assert.doesNotMatch(r.out, /notes\.txt/, 'directories contribute only .yaml/.yml/.json files');
  });

  it('reads stdin with -f - and prints a JSON report with -o json', async () => {
    const r = await runCli(['validate', '-f', '-', '-o', 'json'], BAD);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out);
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems.map((p: { line: number; path: string; severity: string }) => [p.line, p.path, p.severity]), [[7, 'metadata.labels.app', 'error']]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const r = await runCli(['validate', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: [unclosed\n');
    assert.equal(r.code, 1);
    assert.match(r.out, /^-:\d+: /m);
  });

  it('refuses a missing path with a clear error', async () => {
    const r = await runCli(['validate', '-f', join(dir, 'nope.yaml')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /nope\.yaml: no such file or directory \(PLEXUS_ERR_IO\)/);
  });

  it('refuses usage errors with exit 2', async () => {
    assert.equal((await runCli(['validate'])).code, 2);
    assert.equal((await runCli(['validate', '--bogus'])).code, 2);
  });
});
