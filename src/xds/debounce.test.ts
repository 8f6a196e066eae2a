import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer } from './debounce.js';
import { classifyChange, mergePushRequests } from './push-request.js';
import type { Resource } from '../api/resource.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Debouncer', () => {
  it('merges a burst into one flush after the quiet period', async () => {
    const flushed: number[][] = [];
    const d = new Debouncer<number[]>((a, b) => [...a, ...b], (m) => { flushed.push(m); }, { quietMs: 40, maxMs: 1000 });
    d.push([1]);
    await sleep(10);
    d.push([2]);
    await sleep(10);
    d.push([3]);
    await sleep(100);
    assert.deepEqual(flushed, [[1, 2, 3]]);
    d.close();
  });

  it('flushes at the max delay even while events keep coming', async () => {
    const flushed: Array<{ n: number; at: number }> = [];
    const start = Date.now();
    const d = new Debouncer<number>((a, b) => a + b, (n) => { flushed.push({ n, at: Date.now() - start }); }, { quietMs: 50, maxMs: 200 });
    const timer = setInterval(() => d.push(1), 20);
    await sleep(330);
    clearInterval(timer);
    await sleep(100);
    d.close();
    assert.ok(flushed.length >= 2, JSON.stringify(flushed));
    assert.ok(flushed[0]!.at >= 180 && flushed[0]!.at < 450, `first flush at ${flushed[0]!.at} ms`);
  });
});

describe('push classification', () => {
  const se = (endpoints: unknown[], ports = [{ number: 80, name: 'http' }]): Resource => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'se', namespace: 'a' }, spec: { hosts: ['x.example'], ports, endpoints } });

  it('treats WorkloadEntry and endpoint-only ServiceEntry changes as endpoint pushes', () => {
    const weChange = classifyChange(undefined, { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'w', namespace: 'a' }, spec: {} });
    assert.equal(weChange.full, false);
    assert.equal(classifyChange(se([{ address: '198.18.0.1' }]), se([{ address: '198.18.0.2' }])).full, false);
    assert.equal(classifyChange(se([]), se([], [{ number: 81, name: 'http' }])).full, true);
    const merged = mergePushRequests(weChange, classifyChange(undefined, se([])));
    assert.equal(merged.full, true);
    assert.deepEqual([...merged.configsUpdated].sort(), ['ServiceEntry/a/se', 'WorkloadEntry/a/w']);
  });
});
