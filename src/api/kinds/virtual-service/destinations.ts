import type { Reporter } from '../../diagnostic.js';
import { checkPort, checkWildcardDomain } from '../../validation/common.js';
import { toInt } from '../destination-rule/networking-rules.js';
import { checkSubsetName } from '../destination-rule/validate.js';
import { validateHeaderOperations } from './header-rules.js';

/** A `Destination` (route target, mirror): host (no bare `*`), subset name, port. */
export function validateDestination(value: unknown, at: Reporter): void {
  if (typeof value !== 'object' || value === null) return;
  const d = value as Record<string, unknown>;
  const host = typeof d.host === 'string' ? d.host : '';
  if (host === '') at.at('host').error('destination host is required');
  else if (host === '*') at.at('host').error('invalid destination host "*": a destination must name a service');
  else {
    const err = checkWildcardDomain(host);
    if (err) at.at('host').error(err);
  }
  if (d.subset !== undefined && d.subset !== null && d.subset !== '') {
    const err = checkSubsetName(d.subset);
    if (err) at.at('subset').error(err);
  }
  if (typeof d.port === 'object' && d.port !== null) {
    const err = checkPort(toInt((d.port as Record<string, unknown>).number) ?? 0);
    if (err) at.at('port').at('number').error(err);
  }
}

/**
 * Weighted destinations of an HTTP, TCP or TLS rule: each needs a destination, weights are
 * non-negative, and several destinations cannot all weigh 0 (a single one may).
 */
export function validateRouteDestinations(list: readonly unknown[] | undefined, at: Reporter, opts: { http: boolean }): void {
  if (!list) return;
  let total = 0;
  list.forEach((item, i) => {
    const rat = at.at(i);
    if (typeof item !== 'object' || item === null) {
      rat.error('route destination may not be null');
      return;
    }
    const rd = item as Record<string, unknown>;
    if (rd.destination === undefined || rd.destination === null) rat.at('destination').error('destination is required');
    else validateDestination(rd.destination, rat.at('destination'));
    if (opts.http) validateHeaderOperations(rd.headers, rat.at('headers'));
    const weight = toInt(rd.weight) ?? 0;
    if (weight < 0) rat.at('weight').error(`weight ${weight} must not be negative`);
    total += weight;
  });
  if (list.length > 1 && total === 0) at.error('total destination weight is 0: at least one destination needs a positive weight');
}
