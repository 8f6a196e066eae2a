import type { Logger } from 'pino';
import type { HttpFilterContext } from '../filters/filter-api.js';
import type { HttpConnectionManagerConfig, RouteConfiguration, VirtualHost } from '../config/model.js';
import type { ConnectionInfo } from '../config/snapshot-holder.js';
import { routeTableFor, type RouteSelection } from '../router/route-table.js';
import type { DownstreamExchange } from './downstream-exchange.js';
import type { ForwardedDecision } from './forwarded-headers.js';
import type { HeaderMap } from './header-map.js';
import type { RequestRecord } from './request-record.js';

/**
 * The per-request filter context. A class, so the per-request cost is one object: methods live
 * on the prototype. Envoy's route cache: the route is chosen once before the filters run; a
 * filter that changed what routing looks at (headers, path, dynamic metadata) calls
 * `clearRouteCache()`, and the next read of `route`, `virtualHost` or `perFilterConfig`
 * selects again from the same route configuration, as Envoy's lazy re-selection does.
 */
export class RequestFilterContext implements HttpFilterContext {
  dynamicMetadata: Record<string, Record<string, unknown>> | undefined = undefined;
  private currentRoute: RouteSelection | undefined;
  private currentVirtualHost: VirtualHost | undefined;
  private readonly routeConfig: RouteConfiguration | undefined;
  private stale = false;

  /**
   * `routeConfig` is what `route` and `virtualHost` were chosen from before the filters ran
   * (undefined: the HCM has none yet); positional, so a request allocates nothing more.
   */
  constructor(
    readonly exchange: DownstreamExchange,
    readonly headers: HeaderMap,
    routeConfig: RouteConfiguration | undefined,
    route: RouteSelection | undefined,
    virtualHost: VirtualHost | undefined,
    readonly record: RequestRecord,
    readonly connection: ConnectionInfo,
    readonly forwarded: ForwardedDecision,
    readonly hcm: HttpConnectionManagerConfig,
    readonly log: Logger,
  ) {
    this.routeConfig = routeConfig;
    this.currentRoute = route;
    this.currentVirtualHost = virtualHost;
  }

  /** The AbortController behind it is made only for filters that ask. */
  get signal(): AbortSignal {
    return this.exchange.signal;
  }

  get route(): RouteSelection | undefined {
    if (this.stale) this.reselect();
    return this.currentRoute;
  }

  get virtualHost(): VirtualHost | undefined {
    if (this.stale) this.reselect();
    return this.currentVirtualHost;
  }

  perFilterConfig(filterName: string): unknown {
    if (this.stale) this.reselect();
    return this.currentRoute?.route.route.perFilterConfig?.[filterName] ?? this.currentVirtualHost?.perFilterConfig?.[filterName];
  }

  clearRouteCache(): void {
    // Without a route configuration nothing can be chosen again (Envoy keeps "no route").
    if (this.routeConfig) this.stale = true;
  }

  private reselect(): void {
    this.stale = false;
    const rc = this.routeConfig!;
    const record = this.record;
    try {
      const found = routeTableFor(rc).select({
        method: record.method,
        path: record.path,
        authority: record.authority,
        scheme: this.exchange.scheme,
        headers: this.headers,
        clientAddress: this.forwarded.clientAddress,
        dynamicMetadata: this.dynamicMetadata,
      });
      this.currentRoute = found.selection;
      this.currentVirtualHost = found.virtualHost;
    } catch (err) {
      this.log.error({ err, routeConfig: rc.name }, 'route configuration does not compile; treating as no route');
      this.currentRoute = undefined;
      this.currentVirtualHost = undefined;
    }
    record.virtualHostName = this.currentVirtualHost?.name;
    record.routeName = this.currentRoute?.route.route.name;
    record.routeDecorator = this.currentRoute?.route.route.decorator;
  }
}
