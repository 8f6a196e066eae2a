import { localReplyForFlag } from '../../errors/local-reply.js';
import { getHeader } from '../../http/header-map.js';
import { sleep } from '../../router/abortable.js';
import { compileHeaderMatcher, type RouteMatcher } from '../../router/route-matcher.js';
import type { RouteRequest } from '../../router/route-request.js';
import type { FilterOutcome, HttpFilter, HttpFilterContext } from '../filter-api.js';
import { perRouteCache, readPerRouteEntry } from '../per-route-config.js';
import { parseFaultConfig, type FaultConfig } from './config.js';

interface CompiledFault {
  readonly config: FaultConfig;
  readonly matchers: readonly RouteMatcher[];
}

function compile(config: FaultConfig): CompiledFault {
  return { config, matchers: config.headers.map(compileHeaderMatcher) };
}

// Header-controlled percentages can only lower the configured share, never raise it.
function headerFraction(ctx: HttpFilterContext, name: string, configured: number): number {
  const v = getHeader(ctx.headers, name);
  if (v === undefined) return configured;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.min(configured, n / 100) : configured;
}

function sampled(fraction: number): boolean {
  return fraction >= 1 || (fraction > 0 && Math.random() < fraction);
}

/**
 * Envoy's fault filter: delays and/or aborts a share of requests (flags `DI`, `FI`), with
 * per-route overrides (Istio puts VirtualService faults there) and optional header control.
 */
export function createFaultFilter(base: FaultConfig, name: string): HttpFilter {
  const compiledBase = compile(base);
  let active = 0;
  const perRoute = perRouteCache((raw) => {
    const entry = readPerRouteEntry(raw);
    if (!entry) return undefined;
    if (entry.disabled) return { disabled: true as const };
    const parsed = parseFaultConfig(entry.config);
    // xds-client validated it; an invalid one here means no fault rather than a broken route.
    return parsed.ok ? { disabled: false as const, fault: compile(parsed.config) } : undefined;
  });

  return {
    name,
    async decodeHeaders(ctx): Promise<FilterOutcome> {
      const override = perRoute(ctx.perFilterConfig(name));
      if (override?.disabled) return 'continue';
      const fault = override?.fault ?? compiledBase;
      const { config } = fault;
      if (!config.delay && !config.abort) return 'continue';
      const req: RouteRequest = {
        method: ctx.record.method,
        path: ctx.record.path,
        authority: ctx.record.authority,
        scheme: ctx.exchange.scheme,
        headers: ctx.headers,
        clientAddress: ctx.forwarded.clientAddress,
      };
      const lazy = () => new Map<string, string>();
      if (!fault.matchers.every((m) => m(req, lazy))) return 'continue';
      if (config.maxActiveFaults !== undefined && active >= config.maxActiveFaults) return 'continue';

      active++;
      try {
        const delay = config.delay;
        if (delay) {
          let ms = delay.fixedDelayMs;
          if (delay.headerControlled) {
            const h = Number(getHeader(ctx.headers, 'x-envoy-fault-delay-request'));
            ms = Number.isFinite(h) && h >= 0 ? h : undefined;
          }
          const share = delay.headerControlled ? headerFraction(ctx, 'x-envoy-fault-delay-request-percentage', delay.fraction) : delay.fraction;
          if (ms !== undefined && sampled(share)) {
            ctx.record.flags.add('DI');
            if (!(await sleep(ms, ctx.signal))) return 'continue';
          }
        }
        const abort = config.abort;
        if (abort) {
          let httpStatus = abort.httpStatus;
          let grpcStatus = abort.grpcStatus;
          if (abort.headerControlled) {
            const h = Number(getHeader(ctx.headers, 'x-envoy-fault-abort-request'));
            const g = Number(getHeader(ctx.headers, 'x-envoy-fault-abort-grpc-request'));
            httpStatus = Number.isInteger(h) && h >= 200 && h < 600 ? h : undefined;
            grpcStatus = Number.isInteger(g) && g >= 0 && g <= 16 ? g : undefined;
          }
          const share = abort.headerControlled ? headerFraction(ctx, 'x-envoy-fault-abort-request-percentage', abort.fraction) : abort.fraction;
          if ((httpStatus !== undefined || grpcStatus !== undefined) && sampled(share)) {
            const base = localReplyForFlag('FI');
            if (grpcStatus !== undefined) {
              // gRPC aborts are trailers-only 200s carrying the status, whatever the request said.
              return { reply: { ...base, status: 200, headers: { 'grpc-status': String(grpcStatus), 'grpc-message': 'fault filter abort', 'content-type': 'application/grpc' } } };
            }
            return { reply: { ...base, status: httpStatus! } };
          }
        }
        return 'continue';
      } finally {
        active--;
      }
    },
  };
}
