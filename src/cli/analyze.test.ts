import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CliIO } from './command.js';
import { main } from './main.js';

function capture(stdin = ''): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(t: string) { io.out += t; },
    stderr(t: string) { io.err += t; },
    stdin: () => stdin,
    env: {},
  };
  return io;
}

const broken = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  gateways:
  - bookinfo-gateway
  http:
  - route:
    - destination: {host: reviews}
`;
const svc = `apiVersion: v1
kind: Service
metadata: {name: reviews}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
`;
const clean = `${svc}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}}]}]
`;

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plexus-analyze-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('plexus analyze', () => {
  it('prints istioctl-style lines with file:line and exits 79 on errors', async () => {
    const dir = tempDir({ 'vs.yaml': broken, 'svc.yaml': svc });
    const io = capture();
    const code = await main(['analyze', join(dir, 'vs.yaml'), join(dir, 'svc.yaml')], io);
    assert.equal(code, 79);
    assert.equal(io.out, `Error [IST0101] (VirtualService default/reviews ${join(dir, 'vs.yaml')}:8) Referenced gateway not found: "bookinfo-gateway"\n`);
    assert.match(io.err, /Analyzers found issues when analyzing namespace: default/);
  });

  it('reads directories recursively and says so when clean', async () => {
    const dir = tempDir({ 'sub/app.yaml': clean, 'notes.txt': 'not yaml: [' });
    const io = capture();
    assert.equal(await main(['analyze', dir], io), 0);
    assert.equal(io.out, '');
    assert.equal(io.err, '\u2714 No validation issues found when analyzing namespace: default.\n');
  });

  it('reads standard input for -', async () => {
    const io = capture(`${broken}---\n${svc}`);
    assert.equal(await main(['analyze', '-'], io), 79);
    assert.match(io.out, /^Error \[IST0101\] \(VirtualService default\/reviews -:8\)/);
  });

  it('honours -n, -A and --suppress', async () => {
    const moved = `${broken}---\n${svc}`.replace('name: reviews\n', 'name: reviews\n  namespace: shop\n');
    let io = capture(moved);
    assert.equal(await main(['analyze', '-'], io), 0, 'other namespaces are not reported by default');
    io = capture(moved);
    assert.equal(await main(['analyze', '-A', '-'], io), 79);
    io = capture(moved);
    assert.equal(await main(['analyze', '-n', 'shop', '-'], io), 79);
    io = capture(moved);
    assert.equal(await main(['analyze', '-n', 'shop', '--suppress', 'IST0101=VirtualService reviews.shop', '-'], io), 0);
    assert.match(io.err, /No validation issues found when analyzing namespace: shop/);
  });

  it('uses the thresholds: output filters, failure decides the exit code', async () => {
    const warnOnly = `${svc}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r}
spec: {host: reviews, trafficPolicy: {tls: {mode: SIMPLE}}}
`;
    let io = capture(warnOnly);
    assert.equal(await main(['analyze', '-'], io), 0);
    assert.match(io.out, /^Warning \[IST0128\]/);
    io = capture(warnOnly);
    assert.equal(await main(['analyze', '--failure-threshold', 'Warning', '-'], io), 79);
    io = capture(warnOnly);
    assert.equal(await main(['analyze', '--output-threshold', 'Error', '-'], io), 0);
    assert.equal(io.out, '');
  });

  it('prints json and yaml lists and exits 0 for them, as istioctl does', async () => {
    let io = capture(`${broken}---\n${svc}`);
    assert.equal(await main(['analyze', '-o', 'json', '-'], io), 0);
    const list = JSON.parse(io.out) as { code: string; origin: string; reference: string }[];
    assert.deepEqual(list.map((m) => [m.code, m.origin, m.reference]), [['IST0101', 'VirtualService default/reviews', '-:8']]);
    io = capture(broken);
    assert.equal(await main(['analyze', '-o', 'yaml', '-'], io), 0);
    assert.match(io.out, /^- code: IST0101\n/);
  });

  it('uses the mesh config file for the root namespace and defaults', async () => {
    const dir = tempDir({ 'mesh.yaml': 'defaultProviders:\n  accessLogging: [envoy]\n' });
    const telemetry = 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t}\nspec:\n  accessLogging: [{disabled: false}]\n';
    let io = capture(telemetry);
    await main(['analyze', '-'], io);
    assert.match(io.out, /IST0157/);
    io = capture(telemetry);
    assert.equal(await main(['analyze', '--meshConfigFile', join(dir, 'mesh.yaml'), '-'], io), 0);
    assert.equal(io.out, '');
  });

  it('reports unparsable files with file:line and exits 65', async () => {
    const dir = tempDir({ 'bad.yaml': 'kind: [\n' });
    const io = capture();
    assert.equal(await main(['analyze', join(dir, 'bad.yaml')], io), 65);
    assert.match(io.err, new RegExp(`Error: ${join(dir, 'bad.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    assert.match(io.err, /1 file could not be parsed/);
  });

  it('lists analyzers', async () => {
    const io = capture();
    assert.equal(await main(['analyze', '-L'], io), 0);
    assert.match(io.out, /\* virtualservice\.GatewayAnalyzer:\n {4}Checks the gateways/);
  });

  it('exits 64 on usage errors', async () => {
    for (const args of [['--bogus', '-'], ['-o', 'xml', '-'], ['--failure-threshold', 'fatal', '-'], ['--suppress', 'IST0101', '-'], []]) {
      const io = capture();
      assert.equal(await main(['analyze', ...args], io), 64, args.join(' '));
      assert.match(io.err, /^Error: /);
    }
  });

  it('accepts istioctl flags that do not apply offline', async () => {
    const io = capture(clean);
    assert.equal(await main(['analyze', '--use-kube=false', '--color=false', '-'], io), 0);
  });
});
