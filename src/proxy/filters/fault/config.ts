import type { HeaderMatcher, StringMatch } from '../../config/model.js';
import type { ConfigParseResult } from '../filter-api.js';
import { durationMs, field, fraction, isObject, toNumber, toStr } from '../proto-values.js';

/** Type URL of the fault filter (also its per-route config). */
export const FAULT_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

/** A fault that applies to a share of requests. */
interface Sampled {
  /** 0..1 */
  readonly fraction: number;
}

/** Delay: fixed, or taken from `x-envoy-fault-delay-request` when header-controlled. */
export interface DelayFault extends Sampled {
  readonly fixedDelayMs?: number;
  readonly headerControlled: boolean;
}

/** Abort: an HTTP status or a gRPC status, or from `x-envoy-fault-abort-*` headers when header-controlled. */
export interface AbortFault extends Sampled {
  readonly httpStatus?: number;
  readonly grpcStatus?: number;
  readonly headerControlled: boolean;
}

/** `envoy.extensions.filters.http.fault.v3.HTTPFault`, the parts Plexus implements. */
export interface FaultConfig {
  readonly delay?: DelayFault;
  readonly abort?: AbortFault;
  /** The fault applies only to requests matching all of these. */
  readonly headers: readonly HeaderMatcher[];
  /** At most this many requests faulted at once (Envoy's `max_active_faults`). */
  readonly maxActiveFaults?: number;
}

function parseStringMatch(m: unknown): StringMatch | undefined {
  if (!isObject(m)) return undefined;
  const ignoreCase = field(m, 'ignoreCase') === true;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const v = toStr(field(m, kind));
    if (v !== undefined) return { kind, value: v, ignoreCase };
  }
  const re = field(m, 'safeRegex');
  const regex = toStr(field(re, 'regex'));
  return regex !== undefined ? { kind: 'regex', value: regex } : undefined;
}

/** Envoy's route HeaderMatcher proto → the model's HeaderMatcher. */
export function parseHeaderMatcher(raw: unknown, errors: string[], at: string): HeaderMatcher | undefined {
  const name = toStr(field(raw, 'name'));
  if (!name) {
    errors.push(`${at}.name is required`);
    return undefined;
  }
  const invert = field(raw, 'invertMatch') === true;
  const present = field(raw, 'presentMatch');
  if (present !== undefined) return { name, absent: present === false, invert };
  let match = parseStringMatch(field(raw, 'stringMatch'));
  if (!match) {
    const exact = toStr(field(raw, 'exactMatch'));
    const prefix = toStr(field(raw, 'prefixMatch'));
    const suffix = toStr(field(raw, 'suffixMatch'));
    const regex = toStr(field(field(raw, 'safeRegexMatch'), 'regex'));
    if (exact !== undefined) match = { kind: 'exact', value: exact };
    else if (prefix !== undefined) match = { kind: 'prefix', value: prefix };
    else if (suffix !== undefined) match = { kind: 'suffix', value: suffix };
    else if (regex !== undefined) match = { kind: 'regex', value: regex };
  }
  return { name, match, invert };
}

/** Parses an HTTPFault message; returns every reason it is invalid. */
export function parseFaultConfig(raw: unknown): ConfigParseResult<FaultConfig> {
  const errors: string[] = [];
  if (raw !== undefined && raw !== null && !isObject(raw)) return { ok: false, errors: ['fault config must be an object'] };
  let delay: DelayFault | undefined;
  const d = field(raw, 'delay');
  if (isObject(d)) {
    const fixed = durationMs(field(d, 'fixedDelay'));
    const headerControlled = field(d, 'headerDelay') !== undefined;
    if (fixed === undefined && !headerControlled) errors.push('delay: one of fixed_delay, header_delay is required');
    if (fixed !== undefined && fixed < 0) errors.push('delay.fixed_delay must not be negative');
    delay = { fixedDelayMs: fixed, headerControlled, fraction: fraction(field(d, 'percentage'), 1) };
  }
  let abort: AbortFault | undefined;
  const a = field(raw, 'abort');
  if (isObject(a)) {
    const httpStatus = toNumber(field(a, 'httpStatus'));
    const grpcStatus = toNumber(field(a, 'grpcStatus'));
    const headerControlled = field(a, 'headerAbort') !== undefined;
    if (httpStatus === undefined && grpcStatus === undefined && !headerControlled) errors.push('abort: one of http_status, grpc_status, header_abort is required');
    if (httpStatus !== undefined && (httpStatus < 200 || httpStatus >= 600)) errors.push(`abort.http_status ${httpStatus} must be in [200, 600)`);
    if (grpcStatus !== undefined && (grpcStatus < 0 || grpcStatus > 16)) errors.push(`abort.grpc_status ${grpcStatus} is not a gRPC status`);
    abort = { httpStatus, grpcStatus, headerControlled, fraction: fraction(field(a, 'percentage'), 1) };
  }
  const rawHeaders = field(raw, 'headers');
  const headers: HeaderMatcher[] = [];
  if (Array.isArray(rawHeaders)) {
    rawHeaders.forEach((h, i) => {
      const m = parseHeaderMatcher(h, errors, `headers[${i}]`);
      if (m) headers.push(m);
    });
  }
  const maxActive = toNumber(field(raw, 'maxActiveFaults'));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { delay, abort, headers, maxActiveFaults: maxActive } };
}
