import type { RbacRules } from '../../rbac/rbac-evaluation.js';
import { compileRbacRules } from '../../rbac/rbac-rules.js';
import type { ConfigParseResult } from '../filter-api.js';
import { field, isObject, toStr } from '../proto-values.js';

/** Type URL of the network RBAC filter. */
export const NETWORK_RBAC_TYPE_URL = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/** `envoy.extensions.filters.network.rbac.v3.RBAC`, compiled. */
export interface NetworkRbacConfig extends RbacRules {
  readonly statPrefix: string;
}

const ENFORCEMENT_TYPES: ReadonlySet<string> = new Set(['ONE_TIME_ON_FIRST_BYTE', 'CONTINUOUS', '0', '1']);

const cache = new WeakMap<object, ConfigParseResult<NetworkRbacConfig>>();

/**
 * Parses the network filter's config. Both enforcement types are honoured by one evaluation
 * per connection: everything the network rules can look at (addresses, ports, SNI, the peer
 * certificate) is fixed once the connection is accepted, so re-checking on later bytes
 * (CONTINUOUS) could never change the decision.
 */
export function parseNetworkRbacConfig(raw: unknown): ConfigParseResult<NetworkRbacConfig> {
  if (!isObject(raw)) return { ok: false, errors: ['network RBAC config must be an object'] };
  const hit = cache.get(raw);
  if (hit) return hit;
  const result = parse(raw);
  cache.set(raw, result);
  return result;
}

function parse(raw: Record<string, unknown>): ConfigParseResult<NetworkRbacConfig> {
  const errors: string[] = [];
  const statPrefix = toStr(field(raw, 'statPrefix'));
  if (!statPrefix) errors.push('stat_prefix: is required');
  const enforcement = field(raw, 'enforcementType');
  if (enforcement !== undefined && !ENFORCEMENT_TYPES.has(String(enforcement))) errors.push(`enforcement_type: unknown enforcement type ${JSON.stringify(enforcement)}`);
  if (field(raw, 'delayDeny') !== undefined) errors.push('delay_deny: delayed denial is not supported');
  const rules = compileRbacRules(raw, 'network');
  if (!rules.ok) errors.push(...rules.errors);
  if (errors.length > 0 || !rules.ok || !statPrefix) return { ok: false, errors };
  return { ok: true, config: { ...rules.rules, statPrefix } };
}
