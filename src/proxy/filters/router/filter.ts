import { localReplyForFlag } from '../../errors/local-reply.js';
import { applyHeaderMutations } from '../../router/header-mutation.js';
import { redirectLocation } from '../../router/redirect.js';
import { forwardToCluster, responseLevels } from '../../router/upstream-forwarder.js';
import type { FilterDeps, HttpFilter, HttpFilterContext } from '../filter-api.js';
import type { HeaderMap } from '../../http/header-map.js';
import type { RouterFilterConfig } from './config.js';

/**
 * The terminal filter: answers requests without a route (404 `NR`), direct responses and
 * redirects, and forwards everything else to its cluster.
 */
export function createRouterFilter(config: RouterFilterConfig, name: string, deps: FilterDeps): HttpFilter {
  return {
    name,
    async serve(ctx: HttpFilterContext): Promise<void> {
      const sel = ctx.route;
      const { exchange, record } = ctx;
      if (!sel) {
        exchange.sendLocalReply(localReplyForFlag('NR'));
        return;
      }
      const action = sel.route.route.action;
      const extra: HeaderMap = {};
      switch (action.kind) {
        case 'direct_response':
          applyHeaderMutations(extra, responseLevels(sel));
          exchange.sendLocalReply({ status: action.status, body: action.body ?? '', details: 'direct_response' }, extra);
          return;
        case 'redirect':
          applyHeaderMutations(extra, responseLevels(sel));
          extra['location'] = redirectLocation(action, { scheme: exchange.scheme, authority: record.authority, path: record.path }, sel.route.route.match.path, sel.route.rewriteRegex);
          exchange.sendLocalReply({ status: action.responseCode, body: '', details: 'direct_response' }, extra);
          return;
        case 'route':
          await forwardToCluster(ctx, sel, action, deps, { suppressEnvoyHeaders: config.suppressEnvoyHeaders });
          return;
      }
    },
  };
}
