import type { Reporter } from '../../diagnostic.js';
import { checkPort, parseDurationMs } from '../../validation/common.js';
import { checkIstioDuration, toInt } from '../destination-rule/networking-rules.js';
import { validateDestination } from './destinations.js';
import { checkCorsHeaderName } from './header-rules.js';
import { checkIstioRegex, validateStringMatch } from './string-match.js';

// The per-rule policies of an HTTPRoute: redirect, direct response, rewrite, retries, fault
// injection, CORS and mirroring.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v !== '';

const KB = 1024;
const MB = 1024 * KB;

/** `HTTPRedirect`. */
export function validateRedirect(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  const hasPort = value.port !== undefined && value.port !== null;
  const hasDerive = value.derivePort !== undefined && value.derivePort !== null;
  if (!nonEmpty(value.uri) && !nonEmpty(value.authority) && !hasPort && !hasDerive && !nonEmpty(value.scheme)) {
    at.error('redirect must set at least one of uri, authority, scheme, port or derivePort');
  }
  const code = toInt(value.redirectCode) ?? 0;
  if (code !== 0 && (code < 300 || code > 399)) at.at('redirectCode').error(`${code} is not a valid redirect code; it must be 3xx`);
  if (nonEmpty(value.scheme) && value.scheme !== 'http' && value.scheme !== 'https') at.at('scheme').error('redirect scheme must be "http" or "https"');
  const port = toInt(value.port) ?? 0;
  if (port > 0) {
    const err = checkPort(port);
    if (err) at.at('port').error(err);
  }
}

/** An HTTP status for aborts and direct responses (Istio accepts 200..600). */
export function checkHttpStatus(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

/** `HTTPDirectResponse`. */
export function validateDirectResponse(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  if (value.status === undefined || value.status === null) at.at('status').error('status is required in a direct response');
  else {
    const err = checkHttpStatus(toInt(value.status) ?? 0);
    if (err) at.at('status').error(err);
  }
  if (isObj(value.body)) {
    const body = value.body;
    let size = 0;
    if (typeof body.string === 'string') size = Buffer.byteLength(body.string, 'utf8');
    else if (typeof body.bytes === 'string') size = Buffer.from(body.bytes, 'base64').length;
    if (size > MB) at.at('body').error('direct response bodies must be smaller than 1MB: large bodies hurt control plane performance');
    else if (size > 100 * KB) at.at('body').warn('large direct response bodies may hurt control plane performance');
  }
}

/** `HTTPRewrite`. */
export function validateRewrite(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  const regexRewrite = isObj(value.uriRegexRewrite) ? value.uriRegexRewrite : undefined;
  if (nonEmpty(value.uri) && regexRewrite) {
    at.error('rewrite may contain only one of uri or uriRegexRewrite');
    return;
  }
  if (!nonEmpty(value.uri) && !regexRewrite && !nonEmpty(value.authority)) {
    at.error('rewrite must set at least one of uri, uriRegexRewrite or authority');
    return;
  }
  if (regexRewrite) {
    const rat = at.at('uriRegexRewrite');
    if (!nonEmpty(regexRewrite.match) || !nonEmpty(regexRewrite.rewrite)) rat.error('uriRegexRewrite requires both match and rewrite');
    else {
      const err = checkIstioRegex(regexRewrite.match as string);
      if (err) rat.at('match').error(err);
    }
  }
}

// Policies Envoy understands in x-envoy-retry-on and x-envoy-retry-grpc-on.
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

// Status codes Go's net/http has a name for: Istio accepts exactly these as retryOn entries.
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424,
  425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** `HTTPRetry`. */
export function validateRetries(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  const attempts = toInt(value.attempts) ?? 0;
  if (attempts < 0) at.at('attempts').error('attempts cannot be negative');
  const hasRetryOn = nonEmpty(value.retryOn);
  const configured = (value.perTryTimeout !== undefined && value.perTryTimeout !== null) || hasRetryOn || (value.retryRemoteLocalities !== undefined && value.retryRemoteLocalities !== null);
  if (attempts === 0 && configured) at.at('attempts').error('retry policy is configured but attempts is 0 (retries disabled): set attempts');
  checkIstioDuration(value.perTryTimeout, at.at('perTryTimeout'));
  checkIstioDuration(value.backoff, at.at('backoff'));
  if (hasRetryOn) {
    // Entries are not trimmed: "5xx, reset" is rejected, as Istio does.
    for (const policy of (value.retryOn as string).split(',')) {
      const code = /^[+-]?\d+$/.test(policy) ? Number(policy) : NaN;
      if (!KNOWN_STATUS.has(code) && !RETRY_ON.has(policy)) at.at('retryOn').error(`${JSON.stringify(policy)} is not a valid retryOn policy`);
    }
  }
}

const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

// Envoy takes fractional percentages down to 0.0001%.
function checkFaultPercentage(value: unknown, at: Reporter): void {
  if (!isObj(value) || value.value === undefined || value.value === null) return;
  const v = Number(value.value);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) at.at('value').error(`percentage ${v} is neither 0 nor in range [0.0001, 100]`);
}

/** `HTTPFaultInjection`. */
export function validateFault(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  const abort = isObj(value.abort) ? value.abort : undefined;
  const delay = isObj(value.delay) ? value.delay : undefined;
  if (!abort && !delay) at.error('fault injection must set an abort and/or a delay');
  if (abort) {
    const aat = at.at('abort');
    checkFaultPercentage(abort.percentage, aat.at('percentage'));
    if (abort.grpcStatus !== undefined && abort.grpcStatus !== null) {
      if (!GRPC_STATUS.has(String(abort.grpcStatus))) aat.at('grpcStatus').error(`gRPC status ${JSON.stringify(abort.grpcStatus)} is not supported; use a code name such as "NOT_FOUND"`);
    } else if (abort.http2Error !== undefined && abort.http2Error !== null) {
      aat.at('http2Error').error('HTTP/2 error abort fault injection is not supported');
    } else if (abort.httpStatus !== undefined && abort.httpStatus !== null) {
      const err = checkHttpStatus(toInt(abort.httpStatus) ?? 0);
      if (err) aat.at('httpStatus').error(err);
    } else {
      aat.warn('abort is configured without an error type (httpStatus or grpcStatus); it has no effect');
    }
  }
  if (delay) {
    const dat = at.at('delay');
    checkFaultPercentage(delay.percentage, dat.at('percentage'));
    checkIstioDuration(delay.fixedDelay, dat.at('fixedDelay'));
    if (delay.exponentialDelay !== undefined && delay.exponentialDelay !== null) {
      checkIstioDuration(delay.exponentialDelay, dat.at('exponentialDelay'));
      dat.at('exponentialDelay').error('exponentialDelay is not supported');
    }
  }
}

const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

/** `CorsPolicy`. */
export function validateCors(value: unknown, at: Reporter): void {
  if (!isObj(value)) return;
  ((value.allowOrigins as unknown[] | undefined) ?? []).forEach((origin, i) => {
    const oat = at.at('allowOrigins').at(i);
    const o = isObj(origin) ? origin : {};
    const pattern = [o.exact, o.prefix, o.regex].find((v) => typeof v === 'string');
    if (!nonEmpty(pattern)) oat.error('an allowed origin needs a non-empty exact, prefix or regex');
    else validateStringMatch(o, oat);
  });
  if (Array.isArray(value.allowOrigin) && value.allowOrigin.length > 0) at.at('allowOrigin').warn('allowOrigin is deprecated; use allowOrigins');
  ((value.allowMethods as unknown[] | undefined) ?? []).forEach((m, i) => {
    if (!CORS_METHODS.has(String(m))) at.at('allowMethods').at(i).error(`${JSON.stringify(m)} is not a supported HTTP method`);
  });
  for (const field of ['allowHeaders', 'exposeHeaders']) {
    ((value[field] as unknown[] | undefined) ?? []).forEach((h, i) => {
      const err = checkCorsHeaderName(String(h));
      if (err) at.at(field).at(i).error(err);
    });
  }
  if (value.maxAge !== undefined && value.maxAge !== null) {
    checkIstioDuration(value.maxAge, at.at('maxAge'));
    const ms = typeof value.maxAge === 'string' ? parseDurationMs(value.maxAge) : undefined;
    if (ms !== undefined && ms >= 1 && ms % 1000 !== 0) at.at('maxAge').error('maxAge is only accurate to seconds: use a whole number of seconds');
  }
}

/** `mirror`, `mirrors`, `mirrorPercentage` and the deprecated `mirrorPercent`. */
export function validateMirroring(route: Obj, at: Reporter): void {
  if (route.mirrorPercent !== undefined && route.mirrorPercent !== null) {
    const v = toInt(route.mirrorPercent) ?? 0;
    if (v > 100) at.at('mirrorPercent').error(`mirrorPercent must be at most 100 (it is ${v})`);
    at.at('mirrorPercent').warn('mirrorPercent is deprecated; use mirrorPercentage');
  }
  if (isObj(route.mirrorPercentage)) checkMirrorPercentage(route.mirrorPercentage, at.at('mirrorPercentage'));
  validateDestination(route.mirror, at.at('mirror'));
  ((route.mirrors as unknown[] | undefined) ?? []).forEach((m, i) => {
    const mat = at.at('mirrors').at(i);
    if (!isObj(m)) {
      mat.error('mirror may not be null');
      return;
    }
    if (!isObj(m.destination)) {
      mat.at('destination').error('destination is required for mirrors');
      return;
    }
    validateDestination(m.destination, mat.at('destination'));
    if (isObj(m.percentage)) checkMirrorPercentage(m.percentage, mat.at('percentage'));
  });
}

function checkMirrorPercentage(p: Obj, at: Reporter): void {
  const v = Number(p.value ?? 0);
  if (v > 100) at.at('value').error(`mirror percentage must be at most 100 (it is ${v})`);
  if (v < 0) at.at('value').error(`mirror percentage must be at least 0 (it is ${v})`);
}
