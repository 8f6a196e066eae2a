// Hardening, config input: a YAML "billion laughs" alias bomb, absurdly deep YAML, and deep or
// oversized JSON sent to a real controller's admin API. Each must be refused with a clear
// message (the file named for YAML; 400 or 413 with a stable code for the API) instead of
// hanging, crashing or answering 500, and the controller's peak RSS must stay bounded.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_BYTES, MAX_BODY_DEPTH } from '../src/config/admin-api/admin-server.js';
import { parseDocuments } from '../src/config/parse.js';
import { peakRssBytes, resetPeakRss } from './support/peak-rss.js';
import { ControllerProcess, plexus } from './support/controller-process.js';

const MIB = 1024 * 1024;

/** The classic bomb: nine levels of nine aliases each, 9^9 (387 million) strings once expanded. */
function aliasBomb(): string {
  const lines = ['apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata:', '  name: lol', 'spec:', '  hosts: [lol]', '  exportTo:'];
  lines.push('  - &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]');
  for (let i = 1; i <= 8; i++) lines.push(`  - &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}


/** POSTs `body` to the admin API's /v1/apply; status and parsed JSON error (or the transport error). */
function postApply(port: number, token: string, body: Buffer | string): Promise<{ status: number; code?: string; message?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/apply', method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        const err = (JSON.parse(text) as { error?: { code: string; message: string } }).error;
        resolve({ status: res.statusCode ?? 0, code: err?.code, message: err?.message });
      });
    });
    req.on('error', (e) => resolve({ status: -1, message: e.message }));
    req.end(body);
  });
}

describe('hardening: YAML bombs and deep or oversized JSON', { timeout: 120_000 }, () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexus-harden-cfg-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a billion-laughs alias bomb with "excessive aliasing", naming the file and line', async () => {
    const parsed = parseDocuments(aliasBomb(), 'bomb.yaml');
    assert.equal(parsed.documents.length, 0);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.file, 'bomb.yaml');
    assert.match(parsed.problems[0]!.message, /excessive aliasing/);

    const file = join(dir, 'bomb.yaml');
    await writeFile(file, aliasBomb());
    const run = await plexus(['validate', '-f', file], 20_000);
    assert.notEqual(run.code, 0);
    assert.match(run.stdout + run.stderr, new RegExp(`${file.replaceAll('/', '\\/')}:1.*excessive aliasing`));
  });

  it('still accepts ordinary anchors and merge keys', () => {
    const text = [
      'apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'metadata: {name: r}', 'spec:', '  host: r',
      '  subsets:', '  - name: v1', '    labels: &v1 {version: v1}', '  - name: v1-copy', '    labels: *v1',
      '  trafficPolicy: &tp', '    connectionPool: {tcp: {maxConnections: 10}}',
    ].join('\n');
    const parsed = parseDocuments(text, 'anchors.yaml');
    assert.deepEqual(parsed.problems, []);
    const spec = (parsed.documents[0]!.value as { spec: { subsets: Array<{ labels: unknown }> } }).spec;
    assert.deepEqual(spec.subsets[1]!.labels, { version: 'v1' });
  });

  const deep: Array<[string, string]> = [
    ['100 000 nested flow sequences (which made the yaml package run out of memory)', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
    ['150 nested flow maps', `a: ${'{b: '.repeat(150)}1${'}'.repeat(150)}\n`],
    ['150 nested block maps', Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n'],
  ];
  for (const [name, text] of deep) {
    it(`refuses ${name} with a message about nesting`, () => {
      const parsed = parseDocuments(text, 'deep.yaml');
      assert.equal(parsed.documents.length, 0);
      assert.equal(parsed.problems.length, 1, JSON.stringify(parsed.problems));
      assert.match(parsed.problems[0]!.message, /nested deeper than 100 levels/);
    });
  }

  describe('the controller admin API', () => {
    let controller: ControllerProcess;
    let token: string;
    before(async () => {
      controller = await ControllerProcess.start(join(dir, 'home'));
      token = readFileSync(join(dir, 'home', 'admin-token'), 'utf8').trim();
    });
    after(async () => {
      await controller.stop();
    });

    it('answers deep JSON with 400 and a message, never 500, and keeps its memory', async (t) => {
      const baseline = resetPeakRss(controller.child.pid!);
      const n = 4_000_000;
      const cases = [
        `{"items":[{"resource":${'['.repeat(n)}${']'.repeat(n)}}]}`,
        `{"items":[{"resource":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"x"},"spec":${'{"a":'.repeat(MAX_BODY_DEPTH)}1${'}'.repeat(MAX_BODY_DEPTH)}}}]}`,
        // Brackets inside strings do not count.
        `{"items":[{"resource":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"x"},"spec":{"hosts":["${'['.repeat(1000)}"]}}}]}`,
      ];
      const answers = await Promise.all(cases.map((c) => postApply(controller.ports.admin!, token, c)));
      assert.deepEqual(answers.slice(0, 2).map((a) => [a.status, a.code]), [[400, 'PLEXUS_ERR_TOO_LARGE'], [400, 'PLEXUS_ERR_TOO_LARGE']]);
      assert.match(answers[0]!.message!, /nested deeper than 128 levels/);
      // Shallow enough: validated as usual (an invalid host), a 400 with the validation code.
      assert.deepEqual([answers[2]!.status, answers[2]!.code], [400, 'PLEXUS_ERR_INVALID_CONFIG']);
      const growth = peakRssBytes(controller.child.pid!) - baseline;
      t.diagnostic(`peak RSS +${Math.round(growth / MIB)} MiB over ${Math.round(baseline / MIB)} MiB`);
      assert.ok(growth < 100 * MIB, `peak RSS grew by ${Math.round(growth / MIB)} MiB`);
    });

    it(`answers bodies over ${MAX_BODY_BYTES / MIB} MiB with 413, from the header or while reading`, async () => {
      const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
      const declared = await postApply(controller.ports.admin!, token, big);
      assert.deepEqual([declared.status, declared.code], [413, 'PLEXUS_ERR_TOO_LARGE']);
      // Chunked, without a length: refused once the limit is passed.
      const chunked = await new Promise<number>((resolve) => {
        const req = request({ host: '127.0.0.1', port: controller.ports.admin!, path: '/v1/apply', method: 'POST', agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(-1));
        for (let i = 0; i < 20; i++) req.write(Buffer.alloc(MIB, 0x20));
        req.end();
      });
      assert.equal(chunked, 413);
      // The API still works.
      const ok = await postApply(controller.ports.admin!, token, JSON.stringify({ items: [] }));
      assert.equal(ok.status, 200);
    });
  });
});
