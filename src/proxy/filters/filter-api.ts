import type { Logger } from 'pino';
import type { EnvoyNamedCounters } from '../../telemetry/envoy-named-counters.js';
import type { HttpConnectionManagerConfig, VirtualHost } from '../config/model.js';
import type { ConnectionInfo, SnapshotHolder } from '../config/snapshot-holder.js';
import type { LocalReply } from '../errors/local-reply.js';
import type { DownstreamExchange } from '../http/downstream-exchange.js';
import type { ForwardedDecision } from '../http/forwarded-headers.js';
import type { HeaderMap } from '../http/header-map.js';
import type { RequestRecord } from '../http/request-record.js';
import type { HttpUpstream } from '../http/upstream-port.js';
import type { RouteSelection } from '../router/route-table.js';

/** Everything a filter may look at or change for one request. */
export interface HttpFilterContext {
  readonly exchange: DownstreamExchange;
  /** Request headers as they will go upstream; filters may change them. */
  readonly headers: HeaderMap;
  /**
   * The route chosen before the filters ran (Envoy's cached route), or chosen again after a
   * filter called `clearRouteCache()`; undefined: no route.
   */
  readonly route: RouteSelection | undefined;
  /** The virtual host, also when no route in it matched (follows `clearRouteCache()` too). */
  readonly virtualHost: VirtualHost | undefined;
  readonly record: RequestRecord;
  readonly connection: ConnectionInfo;
  readonly forwarded: ForwardedDecision;
  readonly hcm: HttpConnectionManagerConfig;
  readonly log: Logger;
  /** Aborted when the downstream goes away before the response completed. */
  readonly signal: AbortSignal;
  /** The route's, else the virtual host's, `typed_per_filter_config` entry for a filter name. */
  perFilterConfig(filterName: string): unknown;
  /**
   * Envoy's dynamic metadata: filter namespace (e.g. `envoy.filters.http.jwt_authn`) → values,
   * written by earlier filters and read by later ones (RBAC, ext_authz, access log). Undefined
   * until a filter writes, so requests whose filters write nothing allocate nothing.
   */
  dynamicMetadata: Record<string, Record<string, unknown>> | undefined;
  /**
   * Envoy's `clearRouteCache()`: the route and virtual host are selected again, with the headers,
   * path and dynamic metadata as they are when next read (`route`, `virtualHost`,
   * `perFilterConfig`), from the same route configuration. For filters that changed what routing
   * looks at (jwt_authn and ext_authz with `clear_route_cache`).
   */
  clearRouteCache(): void;
}

/** A decoder filter either lets the request continue or answers it locally. */
export type FilterOutcome = 'continue' | { readonly reply: LocalReply; readonly headers?: HeaderMap };

/**
 * One HTTP filter, built once per connection-manager config and run once per request. Non
 * terminal filters implement `decodeHeaders` and/or `encodeHeaders`; the terminal filter (the
 * router) implements `serve` and produces the response.
 */
export interface HttpFilter {
  /** The name it was configured under (the key of per-route config). */
  readonly name: string;
  decodeHeaders?(ctx: HttpFilterContext): FilterOutcome | Promise<FilterOutcome>;
  /** Sees (and may change) response headers, local replies included, before they are sent. */
  encodeHeaders?(ctx: HttpFilterContext, status: number, headers: HeaderMap): void;
  serve?(ctx: HttpFilterContext): Promise<void>;
}

/** What filters may use, shared by all filters of a connection manager. */
export interface FilterDeps {
  readonly upstream: HttpUpstream;
  readonly snapshots: SnapshotHolder;
  readonly logger: Logger;
  /** Request bodies up to this size are kept for retries and mirrors (Envoy: per_request_buffer_limit_bytes). */
  readonly retryBufferLimitBytes: number;
  /** Counters under Envoy stat names built from config (`http.<stat_prefix>.rbac.allowed`); absent in bare tests. */
  readonly envoyStats?: EnvoyNamedCounters;
  /** The connection manager's `stat_prefix` (filter stats live under `http.<stat_prefix>.`). */
  readonly statPrefix?: string;
}

/** Parsed config, or every reason it is invalid. */
export type ConfigParseResult<C> = { readonly ok: true; readonly config: C } | { readonly ok: false; readonly errors: readonly string[] };

/** A filter kind as registered by type URL (DESIGN.md §5: config.ts parses, filter.ts runs). */
export interface HttpFilterDefinition<C = unknown> {
  /** Envoy's well-known name, e.g. `envoy.filters.http.fault`. */
  readonly wellKnownName: string;
  readonly typeUrls: readonly string[];
  /** Terminal filters must come last in the chain (the router). */
  readonly terminal: boolean;
  parseConfig(raw: unknown): ConfigParseResult<C>;
  /**
   * Parses the filter's per-route config (`typed_per_filter_config` value, FilterConfig wrapper
   * already removed). Absent: the filter takes no per-route config, and one given is refused.
   */
  parsePerRouteConfig?(raw: unknown): ConfigParseResult<unknown>;
  /**
   * Type URLs of the per-route config messages `parsePerRouteConfig` reads (the xds-client finds
   * the owning filter of a `typed_per_filter_config` value by its `@type`).
   */
  readonly perRouteTypeUrls?: readonly string[];
  create(config: C, name: string, deps: FilterDeps): HttpFilter;
}
