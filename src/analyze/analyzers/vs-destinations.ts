import type { ResourceEntry } from '../entry.js';
import { arr, num, obj, str } from '../fields.js';

/** A destination named by a VirtualService route or mirror, with the path of its `host` field. */
export interface RouteDestination {
  host: string;
  subset?: string;
  port?: number;
  /** Path of the destination object (`spec.http[0].route[1].destination`). */
  path: string;
  mirror: boolean;
}

function destination(v: unknown, path: string, mirror: boolean): RouteDestination | undefined {
  const d = obj(v);
  const host = str(d?.host);
  if (!d || host === undefined) return undefined;
  return { host, subset: str(d.subset) || undefined, port: num(obj(d.port)?.number), path, mirror };
}

/** Every route destination of a VirtualService: tcp, tls, then http, as Istio walks them. */
export function routeDestinations(vs: ResourceEntry): RouteDestination[] {
  const out: RouteDestination[] = [];
  for (const section of ['tcp', 'tls', 'http']) {
    arr(vs.spec[section]).forEach((rule, i) => {
      arr(obj(rule)?.route).forEach((rd, j) => {
        const d = destination(obj(rd)?.destination, `spec.${section}[${i}].route[${j}].destination`, false);
        if (d) out.push(d);
      });
    });
  }
  return out;
}

/** The mirror destinations of a VirtualService's HTTP routes (`mirror` and `mirrors[]`). */
export function mirrorDestinations(vs: ResourceEntry): RouteDestination[] {
  const out: RouteDestination[] = [];
  arr(vs.spec.http).forEach((rule, i) => {
    const r = obj(rule);
    const m = destination(r?.mirror, `spec.http[${i}].mirror`, true);
    if (m) out.push(m);
    arr(r?.mirrors).forEach((mp, j) => {
      const d = destination(obj(mp)?.destination, `spec.http[${i}].mirrors[${j}].destination`, true);
      if (d) out.push(d);
    });
  });
  return out;
}
