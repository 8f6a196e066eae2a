import type { Logger } from 'pino';
import { EnvoyNamedCounters } from '../../../telemetry/envoy-named-counters.js';
import type { NetworkRbacFilter } from '../../config/model.js';
import type { ConnectionInfo } from '../../config/snapshot-holder.js';
import type { NetworkRbacCheck, NetworkRbacVerdict } from '../../listener/network-filter-chain.js';
import { evaluateRbac, type MetadataHolder } from '../../rbac/rbac-evaluation.js';
import { RbacRequest } from '../../rbac/rbac-request.js';
import { rbacCounters, type RbacCounters } from '../../rbac/rbac-stats.js';
import { parseNetworkRbacConfig, type NetworkRbacConfig } from './network-config.js';

/** Dynamic metadata namespace of the network filter's shadow result. */
export const NETWORK_RBAC_METADATA_NAMESPACE = 'envoy.filters.network.rbac';

const DENY_UNPARSABLE: NetworkRbacVerdict = Object.freeze({ allowed: false, policy: undefined });

/**
 * Envoy's network RBAC filter as a per-connection check: the same engine as HTTP, with no
 * headers and no path (HTTP-only permissions see an empty request, as in Envoy), stats
 * `<stat_prefix>rbac.{allowed,denied,shadow_allowed,shadow_denied}`. A config that does not
 * parse (the xds-client refuses those) denies rather than fails open.
 */
export function createNetworkRbacCheck(opts: { readonly stats?: EnvoyNamedCounters; readonly logger?: Logger } = {}): NetworkRbacCheck {
  const stats = opts.stats ?? new EnvoyNamedCounters();
  const counters = new WeakMap<NetworkRbacConfig, RbacCounters>();
  return (filter: NetworkRbacFilter, info: ConnectionInfo): NetworkRbacVerdict => {
    const parsed = parseNetworkRbacConfig(filter.config);
    if (!parsed.ok) {
      opts.logger?.error({ errors: parsed.errors, chain: info.filterChainName }, 'network RBAC config does not parse; denying');
      return DENY_UNPARSABLE;
    }
    const config = parsed.config;
    let c = counters.get(config);
    if (!c) {
      c = rbacCounters(stats, config.statPrefix, '', config.shadowRulesStatPrefix);
      counters.set(config, c);
    }
    const holder: MetadataHolder = { dynamicMetadata: undefined };
    const req = new RbacRequest(info, undefined, info.remoteAddress, () => holder.dynamicMetadata);
    const verdict = evaluateRbac(config, req, c, NETWORK_RBAC_METADATA_NAMESPACE, holder);
    return holder.dynamicMetadata ? { ...verdict, dynamicMetadata: holder.dynamicMetadata } : verdict;
  };
}
