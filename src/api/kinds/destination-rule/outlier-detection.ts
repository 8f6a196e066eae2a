import type { Reporter } from '../../diagnostic.js';
import { checkIstioDuration, toInt } from './networking-rules.js';

/** Semantic rules of `OutlierDetection`. */
export function validateOutlierDetection(value: unknown, at: Reporter): void {
  if (typeof value !== 'object' || value === null) return;
  const od = value as Record<string, unknown>;
  checkIstioDuration(od.baseEjectionTime, at.at('baseEjectionTime'));
  checkIstioDuration(od.interval, at.at('interval'));
  if ((toInt(od.consecutiveErrors) ?? 0) !== 0) {
    at.at('consecutiveErrors').warn('consecutiveErrors is deprecated; use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (od.splitExternalLocalOriginErrors !== true && (toInt(od.consecutiveLocalOriginFailures) ?? 0) > 0) {
    at.at('consecutiveLocalOriginFailures').error('consecutiveLocalOriginFailures has no effect unless splitExternalLocalOriginErrors is true');
  }
  for (const field of ['maxEjectionPercent', 'minHealthPercent']) {
    const n = toInt(od[field]);
    if (n !== undefined && (n < 0 || n > 100)) at.at(field).error(`${field} ${n} is not in range 0..100`);
  }
}
