// Load balancers, priorities and panic, outlier detection and breakers, without sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeastRequestLoadBalancer } from '../src/proxy/upstream/lb/least-request.js';
import { MaglevLoadBalancer } from '../src/proxy/upstream/lb/maglev.js';
import { RandomLoadBalancer } from '../src/proxy/upstream/lb/random.js';
import { RingHashLoadBalancer } from '../src/proxy/upstream/lb/ring-hash.js';
import { RoundRobinLoadBalancer } from '../src/proxy/upstream/lb/round-robin.js';
import { OutlierDetector } from '../src/proxy/upstream/outlier-detector.js';
import { PrioritySet } from '../src/proxy/upstream/priority-set.js';
import { xxhash64 } from '../src/proxy/upstream/xxhash64.js';
import { cluster, hosts, silent, tally } from './proxy-upstream-support.js';

/** Share of `n` picks per host, in host order. */
function shares(counts: Map<string, number>, keys: string[], n: number): number[] {
  return keys.map((k) => (counts.get(k) ?? 0) / n);
}

function near(actual: number[], expected: number[], tolerance: number): void {
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `share ${i}: ${actual[i].toFixed(3)} vs ${expected[i].toFixed(3)} (all: ${actual.map((a) => a.toFixed(3)).join(', ')})`);
}

describe('xxhash64', () => {
  it('matches the reference vectors', () => {
    assert.equal(xxhash64(''), 0xef46db3751d8e999n);
    assert.equal(xxhash64('abc'), 0x44bc2cf5ad770999n);
  });
});

describe('round robin', () => {
  it('follows weights exactly and interleaves (smooth)', () => {
    const hs = hosts([1, 2, 3]);
    const lb = new RoundRobinLoadBalancer(hs);
    const seq = Array.from({ length: 600 }, () => lb.pick()!.key);
    const counts = new Map<string, number>();
    for (const k of seq) counts.set(k, (counts.get(k) ?? 0) + 1);
    assert.deepEqual(
      hs.map((h) => counts.get(h.key)),
      [100, 200, 300],
    );
    // Smooth: the heaviest host never runs more than 2 in a row with weights 1:2:3.
    let run = 0;
    for (let i = 1; i < seq.length; i++) {
      run = seq[i] === seq[i - 1] ? run + 1 : 0;
      assert.ok(run < 2, 'burst of the same host');
    }
  });

  it('rotates equal weights', () => {
    const hs = hosts([1, 1, 1, 1]);
    const lb = new RoundRobinLoadBalancer(hs);
    assert.deepEqual([...tally(() => lb.pick(), 400).values()], [100, 100, 100, 100]);
  });
});

describe('random and least request', () => {
  it('random follows weights', () => {
    const hs = hosts([1, 3]);
    const lb = new RandomLoadBalancer(hs);
    near(
      shares(
        tally(() => lb.pick(), 40_000),
        hs.map((h) => h.key),
        40_000,
      ),
      [0.25, 0.75],
      0.02,
    );
  });

  it('least request follows weights when idle and avoids loaded hosts', () => {
    const hs = hosts([1, 3]);
    const lb = new LeastRequestLoadBalancer(hs);
    near(
      shares(
        tally(() => lb.pick(), 40_000),
        hs.map((h) => h.key),
        40_000,
      ),
      [0.25, 0.75],
      0.02,
    );
    const eq = hosts([1, 1, 1, 1]);
    eq[0].activeRequests = 50;
    const lb2 = new LeastRequestLoadBalancer(eq);
    const counts = tally(() => lb2.pick(), 10_000);
    // The busy host only wins when both choices land on it (1/16).
    assert.ok((counts.get(eq[0].key) ?? 0) < 10_000 * 0.08, `busy host picked ${counts.get(eq[0].key)}`);
  });
});

describe('consistent hashing', () => {
  const keys = Array.from({ length: 5000 }, (_, i) => xxhash64(`user-${i}`));

  for (const [name, make] of [
    ['ring hash', (hs: ReturnType<typeof hosts>) => new RingHashLoadBalancer(hs)],
    ['maglev', (hs: ReturnType<typeof hosts>) => new MaglevLoadBalancer(hs)],
  ] as const) {
    it(`${name}: sticky, balanced, weighted, and minimal remapping when a host leaves`, () => {
      const hs = hosts([1, 1, 1, 1]);
      const lb = make(hs);
      const first = keys.map((k) => lb.pick(k, 0)!);
      assert.deepEqual(
        keys.map((k) => lb.pick(k, 0)!),
        first,
        'same key, same host',
      );
      const counts = new Map<string, number>();
      for (const h of first) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
      near(
        hs.map((h) => (counts.get(h.key) ?? 0) / keys.length),
        [0.25, 0.25, 0.25, 0.25],
        0.07,
      );

      const without = make(hs.slice(0, 3));
      let moved = 0;
      for (let i = 0; i < keys.length; i++) {
        const after = without.pick(keys[i], 0)!;
        if (first[i] !== hs[3]) {
          if (after !== first[i]) moved++;
        } else {
          assert.notEqual(after, hs[3]);
        }
      }
      // Keys of the remaining hosts mostly stay put (modulo hashing would move ~75% of them).
      // Envoy's ring also rescales to the minimum ring size, so the survivors' entries shift a little.
      assert.ok(moved / keys.length < 0.1, `${moved} keys of remaining hosts moved`);

      const weighted = hosts([1, 2]);
      const wl = make(weighted);
      let heavy = 0;
      for (const k of keys) if (wl.pick(k, 0) === weighted[1]) heavy++;
      assert.ok(Math.abs(heavy / keys.length - 2 / 3) < 0.07, `heavy host share ${heavy / keys.length}`);

      // A host-selection retry moves to another host for most keys.
      let other = 0;
      for (const k of keys.slice(0, 500)) if (lb.pick(k, 1) !== lb.pick(k, 0)) other++;
      assert.ok(other > 250);
    });
  }

  it('ring hash sizes the ring as Envoy does', () => {
    assert.equal(new RingHashLoadBalancer(hosts([1, 1, 1])).size, 1026);
    assert.equal(new RingHashLoadBalancer(hosts([1, 1]), 8, 64).size, 8);
  });
});

describe('priorities and panic', () => {
  const c = cluster('p');
  const opts = { overprovisioningFactor: 140, panicThreshold: 50, localityWeighted: false };

  it('spills over from priority 0 by the overprovisioning factor', () => {
    const p0 = hosts([1, 1, 1, 1, 1]);
    const p1 = hosts([1, 1], 100).map((h) => {
      h.priority = 1;
      return h;
    });
    p0[0].edsHealthy = false;
    p0[1].edsHealthy = false;
    // 60% healthy × 1.4 = 84% stays at P0, 16% spills to P1.
    const set = new PrioritySet(
      [
        { priority: 0, weight: 1, hosts: p0 },
        { priority: 1, weight: 1, hosts: p1 },
      ],
      c,
      opts,
    );
    near(set.loads, [84, 16], 1e-9);
    const counts = tally(() => set.pick(undefined, 0), 20_000);
    const atP1 = p1.reduce((n, h) => n + (counts.get(h.key) ?? 0), 0);
    assert.ok(Math.abs(atP1 / 20_000 - 0.16) < 0.02, `P1 share ${atP1 / 20_000}`);
    assert.equal(counts.get(p0[0].key), undefined, 'unhealthy host not used');

    // All of P0 healthy: 100% stays at P0.
    p0[0].edsHealthy = p0[1].edsHealthy = true;
    assert.deepEqual(new PrioritySet([{ priority: 0, weight: 1, hosts: p0 }, { priority: 1, weight: 1, hosts: p1 }], c, opts).loads, [100, 0]);
  });

  it('a retry with previous_priorities leaves the tried levels while another can take the load', () => {
    const p0 = hosts([1, 1]);
    const p1 = hosts([1, 1], 100).map((h) => {
      h.priority = 1;
      return h;
    });
    const set = new PrioritySet([{ priority: 0, weight: 1, hosts: p0 }, { priority: 1, weight: 1, hosts: p1 }], c, opts);
    const onP1 = (keys: Iterable<string>): boolean => [...keys].every((k) => p1.some((h) => h.key === k));
    assert.ok(!onP1(tally(() => set.pick(undefined, 0), 200).keys()), 'P0 serves first');
    assert.ok(onP1(tally(() => set.pick(undefined, 0, new Set([0])), 200).keys()), 'P0 excluded: P1 serves');
    // Every level excluded: the normal load applies again.
    assert.ok(!onP1(tally(() => set.pick(undefined, 0, new Set([0, 1])), 200).keys()));
  });

  it('balances over all hosts below the panic threshold', () => {
    const hs = hosts([1, 1, 1, 1]);
    hs[0].edsHealthy = hs[1].edsHealthy = hs[2].edsHealthy = false;
    const set = new PrioritySet([{ priority: 0, weight: 1, hosts: hs }], c, opts);
    assert.deepEqual(set.panicLevels, [true]);
    assert.equal(tally(() => set.pick(undefined, 0), 4000).size, 4, 'panic uses every host');
    const noPanic = new PrioritySet([{ priority: 0, weight: 1, hosts: hs }], c, { ...opts, panicThreshold: 0 });
    assert.deepEqual([...tally(() => noPanic.pick(undefined, 0), 100).keys()], [hs[3].key]);
  });

  it('weights localities when locality-weighted', () => {
    const a = hosts([1, 1]);
    const b = hosts([1, 1, 1, 1], 100);
    const set = new PrioritySet(
      [
        { priority: 0, weight: 3, hosts: a },
        { priority: 0, weight: 1, hosts: b },
      ],
      c,
      { ...opts, localityWeighted: true },
    );
    const counts = tally(() => set.pick(undefined, 0), 20_000);
    const inA = a.reduce((n, h) => n + (counts.get(h.key) ?? 0), 0);
    assert.ok(Math.abs(inA / 20_000 - 0.75) < 0.02, `locality A share ${inA / 20_000}`);
  });
});

describe('outlier detection', () => {
  it('ejects after consecutive 5xx, caps by percent, and returns after the ejection time', () => {
    const hs = hosts([1, 1, 1, 1]);
    let changes = 0;
    const od = new OutlierDetector(
      { consecutive5xx: 3, splitExternalLocalOriginErrors: false, intervalMs: 60_000, baseEjectionTimeMs: 1000, maxEjectionPercent: 25 },
      () => hs.length,
      () => changes++,
      silent,
      'c',
    );
    try {
      od.reportStatus(hs[0], 503);
      od.reportStatus(hs[0], 500);
      od.reportStatus(hs[0], 200);
      od.reportStatus(hs[0], 503);
      od.reportStatus(hs[0], 503);
      assert.equal(hs[0].ejected, false, 'a success resets the streak');
      od.reportStatus(hs[0], 502);
      assert.equal(hs[0].ejected, true);
      assert.equal(changes, 1);
      // 25% of 4 hosts: a second ejection would exceed it.
      for (let i = 0; i < 3; i++) od.reportLocalFailure(hs[1], 'connect_failed');
      assert.equal(hs[1].ejected, false);

      const t0 = Date.now();
      od.sweep(t0 + 500);
      assert.equal(hs[0].ejected, true);
      od.sweep(t0 + 1500);
      assert.equal(hs[0].ejected, false, 'returned after base ejection time');
      // Second ejection lasts twice as long.
      for (let i = 0; i < 3; i++) od.reportStatus(hs[0], 500);
      assert.equal(od.ejectionsOf(hs[0]), 2);
      const t1 = Date.now();
      od.sweep(t1 + 1500);
      assert.equal(hs[0].ejected, true);
      od.sweep(t1 + 2100);
      assert.equal(hs[0].ejected, false);
    } finally {
      od.stop();
    }
  });
});
