import type { Reporter } from '../../diagnostic.js';
import { checkIstioDuration, toInt } from './networking-rules.js';

// Envoy rejects Maglev tables of this size or more.
const MAGLEV_TABLE_LIMIT = 5000011;
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

/**
 * Semantic rules of `LoadBalancerSettings`. `outlierDetection` is the sibling setting of the
 * same traffic policy: locality failover without it never triggers, which Istio warns about.
 */
export function validateLoadBalancer(value: unknown, outlierDetection: unknown, at: Reporter): void {
  if (!isObject(value)) return;
  const ch = value.consistentHash;
  if (isObject(ch)) validateConsistentHash(ch, at.at('consistentHash'));
  if (isObject(value.localityLbSetting)) validateLocalityLbSetting(value.localityLbSetting, isObject(outlierDetection), at.at('localityLbSetting'));
  checkIstioDuration(value.warmupDurationSecs, at.at('warmupDurationSecs'));
  if (isObject(value.warmup)) {
    const w = value.warmup;
    const wat = at.at('warmup');
    if (w.duration === undefined || w.duration === null) wat.at('duration').error('warmup duration is required');
    else checkIstioDuration(w.duration, wat.at('duration'));
    const pct = w.minimumPercent === undefined || w.minimumPercent === null ? undefined : Number(w.minimumPercent);
    if (pct !== undefined && (pct < 0 || pct > 100)) wat.at('minimumPercent').error(`minimumPercent ${pct} is not in range 0..100`);
    const aggression = w.aggression === undefined || w.aggression === null ? undefined : Number(w.aggression);
    if (aggression !== undefined && aggression < 1) wat.at('aggression').error(`aggression ${aggression} must be at least 1`);
  }
}

function validateConsistentHash(ch: Record<string, unknown>, at: Reporter): void {
  if (isObject(ch.httpCookie)) {
    const cookie = ch.httpCookie;
    if (typeof cookie.name !== 'string' || cookie.name === '') at.at('httpCookie').at('name').error('name is required for httpCookie');
    if (cookie.ttl !== undefined && cookie.ttl !== null) {
      // 0s is allowed (a session cookie), so only the format is checked.
      if (typeof cookie.ttl !== 'string' || !/^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$/.test(cookie.ttl)) {
        at.at('httpCookie').at('ttl').error(`invalid duration ${JSON.stringify(cookie.ttl)}`);
      }
    }
  }
  const legacyRing = toInt(ch.minimumRingSize) ?? 0;
  if (legacyRing !== 0) {
    at.at('minimumRingSize').warn('consistentHash.minimumRingSize is deprecated; use ringHash.minimumRingSize instead');
    if (isObject(ch.ringHash) || isObject(ch.maglev)) at.at('minimumRingSize').error('only one of minimumRingSize or maglev/ringHash may be set');
  }
  if (isObject(ch.maglev)) {
    const size = toInt(ch.maglev.tableSize) ?? 0;
    const sat = at.at('maglev').at('tableSize');
    if (size === 0) sat.error('tableSize must be set for maglev');
    else if (size >= MAGLEV_TABLE_LIMIT) sat.error(`tableSize must be less than ${MAGLEV_TABLE_LIMIT} for maglev`);
    else if (!isPrimeLikeEnvoy(size)) sat.error(`tableSize ${size} must be a prime number for maglev`);
  }
}

// Envoy's primality test, kept exact (it treats 1 as prime) so verdicts match.
function isPrimeLikeEnvoy(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

/** `LocalityLoadBalancerSetting` rules (also used for MeshConfig's mesh-wide setting). */
export function validateLocalityLbSetting(lb: Record<string, unknown>, hasOutlierDetection: boolean, at: Reporter): void {
  const distribute = Array.isArray(lb.distribute) ? (lb.distribute as unknown[]) : [];
  const failover = Array.isArray(lb.failover) ? (lb.failover as unknown[]) : [];
  const priority = Array.isArray(lb.failoverPriority) ? (lb.failoverPriority as unknown[]) : [];
  if (distribute.length > 0 && failover.length > 0) {
    at.error('distribute and failover cannot be set together');
    return;
  }
  if (failover.length > 0) {
    priority.forEach((label, i) => {
      if (TOPOLOGY_LABELS.has(String(label))) at.at('failoverPriority').at(i).error(`cannot set failover together with the topology label ${JSON.stringify(label)} in failoverPriority`);
    });
  }
  const sources: string[] = [];
  distribute.forEach((d, i) => {
    if (!isObject(d)) return;
    const dat = at.at('distribute').at(i);
    sources.push(typeof d.from === 'string' ? d.from : '');
    const to = isObject(d.to) ? d.to : {};
    let total = 0;
    let weightsOk = true;
    for (const [loc, w] of Object.entries(to)) {
      const weight = Number(w);
      if (!(weight >= 1 && weight <= 100)) {
        dat.at('to').at(loc).error('locality weight must be in range 1..100');
        weightsOk = false;
      }
      total += weight;
    }
    if (weightsOk && total !== 100) dat.at('to').error(`total locality weight ${total} != 100`);
    const err = checkLocalities(Object.keys(to));
    if (err) dat.at('to').error(err);
  });
  const srcErr = checkLocalities(sources);
  if (srcErr) at.at('distribute').error(srcErr);
  if ((failover.length > 0 || priority.length > 0) && !hasOutlierDetection) {
    at.warn('outlier detection must be configured for locality failover to take effect');
  }
  failover.forEach((f, i) => {
    if (!isObject(f)) return;
    const from = typeof f.from === 'string' ? f.from : '';
    const to = typeof f.to === 'string' ? f.to : '';
    const fat = at.at('failover').at(i);
    if (from === to) fat.error('locality failover must name two different regions');
    if (from.includes('/') || to.includes('/')) fat.error('locality failover may only name regions (no "/")');
    if (from.includes('*') || to.includes('*')) fat.error("locality failover regions must not contain a '*' wildcard");
  });
}

/** Localities (`region/zone/subzone`, optional trailing `*`) must be well-formed and must not overlap. */
function checkLocalities(localities: string[]): string | undefined {
  const tree = new Map<string, Map<string, Set<string>>>();
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) return `locality ${loc}: at most one '*' wildcard, and only at the end`;
    if (tree.has('*')) return `locality ${loc} overlaps with a previous one`;
    const parts = splitLocality(loc);
    if (parts.some((p) => p === '')) return `locality ${loc} must not have an empty region, zone or subzone`;
    const [region, zone, subzone] = parts;
    const zones = tree.get(region);
    if (parts.length === 1) {
      if (zones) return `locality ${loc} overlaps with a previous one`;
      tree.set(region, new Map([['*', new Set(['*'])]]));
    } else if (parts.length === 2) {
      if (zones && (zones.has('*') || zones.has(zone))) return `locality ${loc} overlaps with a previous one`;
      if (zones) zones.set(zone, new Set(['*']));
      else tree.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      if (zones?.has('*')) return `locality ${loc} overlaps with a previous one`;
      const subs = zones?.get(zone);
      if (subs && (subs.has('*') || subs.has(subzone))) return `locality ${loc} overlaps with a previous one`;
      if (subs) subs.add(subzone);
      else if (zones) zones.set(zone, new Set([subzone]));
      else tree.set(region, new Map([[zone, new Set([subzone])]]));
    }
  }
  return undefined;
}

// Like Go's strings.SplitN(s, "/", 3): the subzone keeps any further slashes.
function splitLocality(loc: string): string[] {
  const parts = loc.split('/');
  return parts.length <= 3 ? parts : [parts[0], parts[1], parts.slice(2).join('/')];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
