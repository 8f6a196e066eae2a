import type { Route, RouteConfiguration, VirtualHost } from '../config/model.js';
import { compileRegex, type CompiledRegex } from './regex.js';
import { compileRouteMatch, lazyQuery, type RouteMatcher } from './route-matcher.js';
import type { RouteRequest } from './route-request.js';
import { VirtualHostSelector } from './virtual-host-selector.js';

/** A route with its matcher and rewrite regexes compiled. */
export interface CompiledRoute {
  readonly route: Route;
  readonly matches: RouteMatcher;
  /** The route action's or redirect's `regex_rewrite` pattern. */
  readonly rewriteRegex?: CompiledRegex;
}

/** A virtual host with its routes compiled, in order. */
export interface CompiledVirtualHost {
  readonly virtualHost: VirtualHost;
  readonly routes: readonly CompiledRoute[];
}

/** The result of routing one request. */
export interface RouteSelection {
  readonly routeConfig: RouteConfiguration;
  readonly virtualHost: VirtualHost;
  readonly route: CompiledRoute;
}

/**
 * A RouteConfiguration compiled for lookups: domains indexed, matchers and RE2 regexes built.
 * Built once per config object (see `routeTableFor`), then used by every request.
 */
export class RouteTable {
  private readonly selector: VirtualHostSelector<CompiledVirtualHost>;

  /** Throws when a regex does not compile; `validateRouteConfiguration` collects the reasons instead. */
  constructor(readonly config: RouteConfiguration) {
    this.selector = new VirtualHostSelector(
      config.virtualHosts.map((vh) => ({ domains: vh.domains, value: compileVirtualHost(vh) })),
    );
  }

  /** The virtual host for the request's authority, if any. */
  virtualHostFor(authority: string): CompiledVirtualHost | undefined {
    return this.selector.select(authority);
  }

  /** Virtual host by authority, then the first route that matches, as Envoy does. */
  select(req: RouteRequest): { readonly virtualHost?: VirtualHost; readonly selection?: RouteSelection } {
    const vh = this.selector.select(req.authority);
    if (!vh) return {};
    const query = lazyQuery(req);
    for (const route of vh.routes) {
      if (route.matches(req, query)) return { virtualHost: vh.virtualHost, selection: { routeConfig: this.config, virtualHost: vh.virtualHost, route } };
    }
    return { virtualHost: vh.virtualHost };
  }
}

function compileVirtualHost(vh: VirtualHost): CompiledVirtualHost {
  return {
    virtualHost: vh,
    routes: vh.routes.map((route) => {
      const action = route.action;
      const rewrite = action.kind === 'route' || action.kind === 'redirect' ? action.regexRewrite : undefined;
      return { route, matches: compileRouteMatch(route.match), rewriteRegex: rewrite ? compileRegex(rewrite.pattern) : undefined };
    }),
  };
}

const tables = new WeakMap<RouteConfiguration, RouteTable>();

/** The compiled table for a config, built on first use and kept as long as the config lives. */
export function routeTableFor(config: RouteConfiguration): RouteTable {
  let table = tables.get(config);
  if (!table) {
    table = new RouteTable(config);
    tables.set(config, table);
  }
  return table;
}

/** Every reason a route configuration cannot be served (bad regexes), for the xds-client's NACK. */
export function validateRouteConfiguration(config: RouteConfiguration): string[] {
  const errors: string[] = [];
  for (const vh of config.virtualHosts) {
    vh.routes.forEach((route, i) => {
      try {
        compileRouteMatch(route.match);
        const action = route.action;
        if ((action.kind === 'route' || action.kind === 'redirect') && action.regexRewrite) compileRegex(action.regexRewrite.pattern);
      } catch (err) {
        errors.push(`route_config ${config.name}: virtual_host ${vh.name}: route[${i}]${route.name ? ` (${route.name})` : ''}: ${(err as Error).message}`);
      }
    });
  }
  return errors;
}
