import type { RouteAction, WeightedCluster } from '../config/model.js';
import { localReplyForError, localReplyForFlag, type LocalReply } from '../errors/local-reply.js';
import { isResponseFlag } from '../errors/response-flags.js';
import type { FilterDeps, HttpFilterContext } from '../filters/filter-api.js';
import { appendHeader, cloneHeaders, getHeader, headersFromObject, type HeaderMap } from '../http/header-map.js';
import type { UpstreamHttpResponse } from '../upstream/upstream-http-types.js';
import { isUpstreamError } from '../upstream/upstream-error.js';
import type { UpstreamHost } from '../upstream/upstream-host.js';
import { AbortedError, CancelSignal, raceAbort, sleep } from './abortable.js';
import { computeHashKey } from './hash-key.js';
import { applyHeaderMutations, type HeaderMutationLevel } from './header-mutation.js';
import { startMirrors } from './mirror.js';
import { rewritePrefix, rewriteRegex } from './path-rewrite.js';
import { ReplayableBody } from './replayable-body.js';
import { RetryState, type UpstreamFailureKind } from './retry-state.js';
import type { RouteSelection } from './route-table.js';
import { tunnelUpgrade } from './upgrade-tunnel.js';
import { pickWeightedCluster } from './weighted-cluster.js';

/** Router options from the router filter's own config. */
export interface ForwardOptions {
  /** Envoy's `suppress_envoy_headers`: no `x-envoy-*` headers added. */
  readonly suppressEnvoyHeaders: boolean;
}

// Control headers the router consumes; they never go upstream.
const CONSUMED_HEADERS = [
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-max-retries',
  'x-envoy-retry-on',
  'x-envoy-retry-grpc-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-expected-rq-timeout-ms',
];

function requestLevels(sel: RouteSelection, wc: WeightedCluster): HeaderMutationLevel[] {
  const { route } = sel.route;
  return [
    { add: wc.requestHeadersToAdd, remove: wc.requestHeadersToRemove },
    { add: route.requestHeadersToAdd, remove: route.requestHeadersToRemove },
    { add: sel.virtualHost.requestHeadersToAdd, remove: sel.virtualHost.requestHeadersToRemove },
    { add: sel.routeConfig.requestHeadersToAdd, remove: sel.routeConfig.requestHeadersToRemove },
  ];
}

/** Response header levels in Envoy's order; exported for local replies made by the router. */
export function responseLevels(sel: RouteSelection, wc?: WeightedCluster): HeaderMutationLevel[] {
  const { route } = sel.route;
  return [
    { add: wc?.responseHeadersToAdd, remove: wc?.responseHeadersToRemove },
    { add: route.responseHeadersToAdd, remove: route.responseHeadersToRemove },
    { add: sel.virtualHost.responseHeadersToAdd, remove: sel.virtualHost.responseHeadersToRemove },
    { add: sel.routeConfig.responseHeadersToAdd, remove: sel.routeConfig.responseHeadersToRemove },
  ];
}

function parseMs(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function failureKind(err: unknown): UpstreamFailureKind {
  const e = err as { flag?: unknown; reason?: unknown };
  if (!isResponseFlag(e?.flag)) return 'other';
  switch (e.flag) {
    case 'UF':
      return 'connect-failure';
    case 'UC':
    case 'UPE':
      return 'reset';
    case 'UR':
      return typeof e.reason === 'string' && e.reason.includes('refused') ? 'refused-stream' : 'reset';
    case 'UT':
      return 'per-try-timeout';
    case 'UO':
      return 'overflow';
    case 'UH':
      return 'no-host';
    default:
      return 'other';
  }
}

/** The upstream host an attempt failed on, when the upstream layer had picked one. */
function failedHost(err: unknown): UpstreamHost | undefined {
  if (isUpstreamError(err)) return err.host;
  // Other HttpUpstream implementations may report it as `endpoint`, like a response does.
  const e = err as { host?: unknown; endpoint?: unknown } | null;
  const host = e?.host ?? e?.endpoint;
  return typeof host === 'object' && host !== null && typeof (host as { key?: unknown }).key === 'string' ? (host as UpstreamHost) : undefined;
}

function hasBody(ctx: HttpFilterContext): boolean {
  const req = ctx.exchange.req as { stream?: { endAfterHeaders?: boolean }; readableEnded?: boolean };
  if (ctx.record.protocol === 'HTTP/2') return req.stream?.endAfterHeaders !== true;
  const cl = getHeader(ctx.headers, 'content-length');
  if (getHeader(ctx.exchange.req.headers as HeaderMap, 'transfer-encoding') !== undefined) return true;
  return cl !== undefined && cl.trim() !== '0';
}

/**
 * Envoy's router for a `route` action: picks the (weighted) cluster, rewrites path and
 * authority, applies header mutations, works out the route and per-try timeouts, sends the
 * request upstream with retries (replaying the buffered body), mirrors it, and streams the
 * response back. Every failure ends in exactly one local reply or stream reset.
 */
export async function forwardToCluster(ctx: HttpFilterContext, sel: RouteSelection, action: RouteAction, deps: FilterDeps, opts: ForwardOptions): Promise<void> {
  const { exchange, record } = ctx;
  const route = sel.route.route;
  const wc = pickWeightedCluster(action.clusters);
  const reply = (r: LocalReply, clusterLevel?: WeightedCluster): void => {
    const extra: HeaderMap = {};
    applyHeaderMutations(extra, responseLevels(sel, clusterLevel));
    exchange.sendLocalReply(r, extra);
  };
  if (!wc) return reply(localReplyForFlag('NC'));
  record.cluster = wc.name;
  if (!deps.snapshots.current.clusters.has(wc.name)) return reply(localReplyForFlag('NC'), wc);

  // Request as it goes upstream.
  const headers = cloneHeaders(ctx.headers);
  const originalPath = record.path;
  let path = originalPath;
  if (action.prefixRewrite !== undefined) path = rewritePrefix(path, route.match.path, action.prefixRewrite);
  else if (action.regexRewrite && sel.route.rewriteRegex) path = rewriteRegex(path, sel.route.rewriteRegex, action.regexRewrite.substitution);
  if (path !== originalPath && !opts.suppressEnvoyHeaders) headers['x-envoy-original-path'] = originalPath;
  const authority = wc.hostRewrite ?? action.hostRewrite ?? record.authority;
  applyHeaderMutations(headers, requestLevels(sel, wc));

  // Timeouts: the route's, overridden by x-envoy-* headers only from trusted requests.
  const trusted = !ctx.forwarded.edge;
  const policy = action.retryPolicy ?? sel.virtualHost.retryPolicy;
  let timeoutMs = action.timeoutMs;
  let perTryMs = policy?.perTryTimeoutMs ?? 0;
  if (trusted) {
    timeoutMs = parseMs(getHeader(headers, 'x-envoy-upstream-rq-timeout-ms')) ?? timeoutMs;
    perTryMs = parseMs(getHeader(headers, 'x-envoy-upstream-rq-per-try-timeout-ms')) ?? perTryMs;
  }
  const retry = new RetryState(policy, headers, trusted);
  for (const name of CONSUMED_HEADERS) delete headers[name];
  const expected = perTryMs > 0 && (timeoutMs === 0 || perTryMs < timeoutMs) ? perTryMs : timeoutMs;
  if (expected > 0 && !opts.suppressEnvoyHeaders) headers['x-envoy-expected-rq-timeout-ms'] = String(expected);
  headers['host'] = authority;

  const hash = computeHashKey(action.hashPolicy, {
    method: record.method,
    path: originalPath,
    authority: record.authority,
    scheme: exchange.scheme,
    headers: ctx.headers,
    clientAddress: ctx.forwarded.clientAddress,
  });
  const attempted = new Set<UpstreamHost>();
  // previous_priorities: every `frequency` attempts, the priorities tried so far are left out.
  const frequency = policy?.previousPrioritiesUpdateFrequency;
  const excludedPriorities = frequency !== undefined ? new Set<number>() : undefined;
  const triedPriorities: number[] = [];
  const noteAttempt = (host: UpstreamHost): void => {
    attempted.add(host);
    if (excludedPriorities === undefined || frequency === undefined) return;
    triedPriorities.push(host.priority);
    if (triedPriorities.length % frequency === 0) for (const p of triedPriorities) excludedPriorities.add(p);
  };
  const pick = {
    hashKey: hash.key,
    downstreamAddress: ctx.connection.remoteAddress,
    attempted: policy?.retryHostPredicatePreviousHosts ? attempted : undefined,
    hostSelectionRetryMaxAttempts: policy?.hostSelectionRetryMaxAttempts,
    excludedPriorities,
    originalDestination: ctx.connection.originalDestination,
    downstreamProtocol: record.protocol === 'HTTP/2' ? ('h2' as const) : ('http/1.1' as const),
  };

  if (exchange.upgrade) return tunnelUpgrade(ctx, action, wc.name, { path, authority, headers }, deps, pick, reply);

  const body = hasBody(ctx) ? new ReplayableBody(exchange.body, deps.retryBufferLimitBytes, (n) => (record.bytesReceived += n)) : undefined;
  if (!body) exchange.body.resume();

  startMirrors(
    action.mirrors,
    { method: record.method, path, authority, headers, timeoutMs },
    body,
    deps.upstream,
    (name) => deps.snapshots.current.clusters.has(name),
    pick,
    ctx.log,
  );

  // The route timeout runs from the end of the request body to the end of the response.
  // CancelSignals, not AbortControllers: this runs per request and per attempt.
  const overall = new CancelSignal();
  let timedOut = false;
  let globalTimer: NodeJS.Timeout | undefined;
  if (timeoutMs > 0) {
    void (body?.complete ?? Promise.resolve()).then(() => {
      if (exchange.done || overall.aborted) return;
      globalTimer = setTimeout(() => {
        timedOut = true;
        overall.abort();
      }, timeoutMs);
    });
  }
  const onDownstreamGone = (): void => overall.abort();
  exchange.downstreamGone.addEventListener('abort', onDownstreamGone);

  // Each retry holds a slot of the cluster's max_retries breaker until its attempt settles.
  let retrySlot = false;
  const releaseRetry = (): void => {
    if (retrySlot) deps.upstream.endRetry?.(wc.name);
    retrySlot = false;
  };
  const takeRetry = (): boolean => {
    releaseRetry();
    if (deps.upstream.tryStartRetry && !deps.upstream.tryStartRetry(wc.name)) return false;
    if (!retry.tryConsume()) {
      if (deps.upstream.tryStartRetry) deps.upstream.endRetry?.(wc.name);
      record.flags.add('URX');
      return false;
    }
    retrySlot = deps.upstream.tryStartRetry !== undefined;
    return true;
  };

  try {
    for (let attempt = 1; ; attempt++) {
      record.attemptCount = attempt;
      if (!opts.suppressEnvoyHeaders) headers['x-envoy-attempt-count'] = String(attempt);
      const attemptAbort = new CancelSignal();
      const linkAbort = (): void => attemptAbort.abort();
      overall.addEventListener('abort', linkAbort);
      let perTryTimedOut = false;
      const perTryTimer =
        perTryMs > 0
          ? setTimeout(() => {
              perTryTimedOut = true;
              attemptAbort.abort();
            }, perTryMs)
          : undefined;
      const cleanupAttempt = (): void => {
        if (perTryTimer) clearTimeout(perTryTimer);
        overall.removeEventListener('abort', linkAbort);
      };
      const started = performance.now();
      let response: UpstreamHttpResponse;
      try {
        const pending = deps.upstream.request(
          wc.name,
          { method: record.method, path, headers: { ...headers }, body: body ? body.open() : null, timeoutMs: perTryMs || undefined, signal: attemptAbort },
          pick,
        );
        response = await raceAbort(pending, attemptAbort, (late) => late.body.destroy());
      } catch (err) {
        cleanupAttempt();
        body?.detach();
        if (exchange.done) return;
        if (timedOut) return reply(localReplyForFlag('UT'), wc);
        // The host this attempt failed on (UpstreamError.host): avoided by previous_hosts, logged.
        const host = failedHost(err);
        if (host !== undefined) {
          noteAttempt(host);
          record.upstreamHost = host.key;
        }
        const kind = perTryTimedOut || err instanceof AbortedError ? 'per-try-timeout' : failureKind(err);
        if (retry.retriableFailure(kind) && (body?.replayable ?? true) && takeRetry()) {
          if (!(await sleep(retry.backoffMs(), overall))) {
            if (timedOut) return reply(localReplyForFlag('UT'), wc);
            return;
          }
          continue;
        }
        const reason = (err as { reason?: unknown }).reason;
        if (typeof reason === 'string' && reason.startsWith('tls')) record.upstreamTransportFailureReason = reason;
        const local = kind === 'per-try-timeout' ? localReplyForFlag('UT') : localReplyForError(err);
        if (local.status === 500) ctx.log.error({ err, cluster: wc.name }, 'unexpected upstream failure');
        return reply(local, wc);
      }

      // Response headers arrived.
      noteAttempt(response.endpoint);
      record.upstreamHost = response.endpoint.key;
      const serviceTime = Math.round(performance.now() - started);
      record.upstreamServiceTimeMs = serviceTime;
      const respHeaders = headersFromObject(response.headers);
      if (retry.retriableResponse(response.status, respHeaders)) {
        if ((body?.replayable ?? true) && takeRetry()) {
          cleanupAttempt();
          response.body.on('error', () => undefined);
          response.body.destroy();
          body?.detach();
          if (!(await sleep(retry.backoffMs(), overall))) {
            if (timedOut && !exchange.done) return reply(localReplyForFlag('UT'), wc);
            return;
          }
          continue;
        }
      }
      releaseRetry();
      record.responseCodeDetails = 'via_upstream';
      applyHeaderMutations(respHeaders, responseLevels(sel, wc));
      if (!opts.suppressEnvoyHeaders) {
        respHeaders['x-envoy-upstream-service-time'] = String(serviceTime);
        respHeaders['x-envoy-attempt-count'] = String(attempt);
      }
      if (hash.setCookie) appendHeader(respHeaders, 'set-cookie', hash.setCookie);
      // A timeout or upstream failure mid-body can only reset the downstream; note why.
      const onAbortMidBody = (): void => {
        if (timedOut) record.flags.add('UT');
        else if (perTryTimedOut) record.flags.add('UT');
        response.body.destroy();
      };
      attemptAbort.addEventListener('abort', onAbortMidBody);
      response.body.once('error', (err: unknown) => {
        const flag = (err as { flag?: unknown }).flag;
        if (isResponseFlag(flag) && flag !== 'DC' && !exchange.downstreamGone.aborted) record.flags.add(flag);
      });
      if (!exchange.sendHeaders(response.status, respHeaders)) {
        cleanupAttempt();
        response.body.destroy();
        return;
      }
      await exchange.streamBody(response.body, response.trailers.then((t) => headersFromObject(t)));
      attemptAbort.removeEventListener('abort', onAbortMidBody);
      cleanupAttempt();
      return;
    }
  } finally {
    releaseRetry();
    if (globalTimer) clearTimeout(globalTimer);
    overall.abort();
    exchange.downstreamGone.removeEventListener('abort', onDownstreamGone);
  }
}
