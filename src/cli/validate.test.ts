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

// An EnvoyFilter whose patch value has an unknown field (line 20) and a number for a filter name (line 26).
const BAD_PATCH = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: hcm-tweak
  namespace: shop
spec:
  priority: 1
  configPatches:
  - applyTo: NETWORK_FILTER
    match:
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
    patch:
      operation: MERGE
      value:
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stream_idle_timeut: 300s
          http_filters:
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              inline_code: "function envoy_on_request(h) end"
          - name: 42
`;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

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

  it('points into an EnvoyFilter patch value at the right line', async () => {
    const file = join(dir, 'envoy-filter.yaml');
    writeFileSync(file, BAD_PATCH);
    const r = await runCli(['validate', '-f', file]);
    assert.equal(r.code, 1);
    const at = (line: number, rest: string): RegExp => new RegExp(`^${escape(`${file}:${line}: EnvoyFilter shop/hcm-tweak: ${rest}`)}`, 'm');
    assert.match(r.out, at(26, 'spec.configPatches[0].patch.value.typed_config.http_filters[1].name: expected a string'));
    assert.match(r.out, at(20, 'spec.configPatches[0].patch.value.typed_config.stream_idle_timeut: warning: unknown field "stream_idle_timeut"'));
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
