import type { Reporter } from '../../diagnostic.js';
import { checkPort, checkRegex } from '../../validation/common.js';
import { enumName } from '../gateway/enum-value.js';
import { canonicalFilterName, HTTP_CONNECTION_MANAGER_NAMES } from './deprecated-filter-names.js';
import { validatePatchValue } from './patch-value.js';
import { APPLY_TO, PATCH_CONTEXTS, PATCH_OPERATIONS, type ApplyTo, type EnvoyConfigObjectPatch, type PatchOperation } from './types.js';

const LISTENER_CLASS: readonly ApplyTo[] = ['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER'];
const ROUTE_CLASS: readonly ApplyTo[] = ['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE'];

/**
 * Istio's rules for one config patch: applyTo, operation and value present, the match kind
 * fitting applyTo, filter matches well-formed, the value readable as the Envoy message applyTo
 * names. Also the analyzer's advice on operations (IST0151-IST0154) as warnings. `at` points
 * at `configPatches[i]`.
 */
export function validateConfigPatch(cp: EnvoyConfigObjectPatch, priority: number, at: Reporter): void {
  if (cp === null || typeof cp !== 'object') return at.error('config patch may not be null');
  const applyTo = enumName(cp.applyTo, APPLY_TO);
  if (applyTo === 'INVALID') return at.at('applyTo').error('applyTo is required');
  if (!cp.patch) return at.at('patch').error('patch is required');
  const operation = enumName(cp.patch.operation, PATCH_OPERATIONS);
  if (operation === 'INVALID') return at.at('patch').at('operation').error('patch operation is required');
  if (operation !== 'REMOVE' && (cp.patch.value === undefined || cp.patch.value === null)) {
    return at.at('patch').at('value').error(`patch value is required for operation ${operation}`);
  }
  const proxyVersion = cp.match?.proxy?.proxyVersion;
  if (proxyVersion) {
    const err = checkRegex(proxyVersion);
    if (err) return at.at('match').at('proxy').at('proxyVersion').error(err);
  }
  if (!checkMatchFits(cp, applyTo, at.at('match'))) return;
  if (cp.patch.value !== undefined && cp.patch.value !== null) validatePatchValue(applyTo, cp.patch.value, at.at('patch').at('value'));
  adviseOnOperation(applyTo, operation, priority, at.at('patch').at('operation'));
}

/** Returns false when the match is unusable for this applyTo. */
function checkMatchFits(cp: EnvoyConfigObjectPatch, applyTo: ApplyTo, at: Reporter): boolean {
  const m = cp.match;
  // The CRD's rule: a waypoint match goes with context WAYPOINT, and WAYPOINT takes no other match.
  if (m && (enumName(m.context, PATCH_CONTEXTS) === 'WAYPOINT' ? m.listener || m.routeConfiguration || m.cluster : m.waypoint)) {
    at.error('only support waypointMatch when context is WAYPOINT');
    return false;
  }
  const wport = m?.waypoint?.portNumber;
  if (wport !== undefined && wport !== null && checkPort(wport)) at.at('waypoint').at('portNumber').error('port must be between 1-65535');
  if (!m || (!m.listener && !m.routeConfiguration && !m.cluster)) return true;
  if (LISTENER_CLASS.includes(applyTo)) {
    if (!m.listener) {
      at.error(`applyTo ${applyTo} needs a listener match`);
      return false;
    }
    const filter = m.listener.filterChain?.filter;
    if (!filter) return true;
    const fat = at.at('listener').at('filterChain').at('filter');
    if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') fat.warn(`a filter match has no effect with applyTo ${applyTo}`);
    if (!filter.name) {
      fat.at('name').error('a filter match needs a filter name');
      return false;
    }
    if (filter.subFilter) {
      if (applyTo !== 'HTTP_FILTER') {
        fat.at('subFilter').error('a subFilter match can only be used with applyTo HTTP_FILTER');
        return false;
      }
      if (!HTTP_CONNECTION_MANAGER_NAMES.includes(filter.name)) {
        fat.at('subFilter').error(`a subFilter match needs the filter match to name ${HTTP_CONNECTION_MANAGER_NAMES[0]}`);
        return false;
      }
      if (!filter.subFilter.name) {
        fat.at('subFilter').at('name').error('a subFilter match needs a filter name');
        return false;
      }
    }
    for (const [path, name] of [[fat.at('name'), filter.name], [fat.at('subFilter').at('name'), filter.subFilter?.name]] as const) {
      const renamed = name ? canonicalFilterName(name) : undefined;
      if (renamed) path.warn(`filter name ${JSON.stringify(name)} is deprecated; use ${JSON.stringify(renamed)}`);
    }
    return true;
  }
  if (ROUTE_CLASS.includes(applyTo) && !m.routeConfiguration) at.error(`applyTo ${applyTo} needs a routeConfiguration match`);
  if (applyTo === 'CLUSTER' && !m.cluster) at.error('applyTo CLUSTER needs a cluster match');
  return true;
}

function adviseOnOperation(applyTo: ApplyTo, operation: PatchOperation, priority: number, at: Reporter): void {
  const routeLevel = applyTo === 'ROUTE_CONFIGURATION' || applyTo === 'HTTP_ROUTE';
  if (operation === 'ADD' && routeLevel) {
    at.warn(`ADD is ignored with applyTo ${applyTo} (IST0153)`);
    return;
  }
  if (operation === 'REMOVE' && routeLevel) {
    at.warn(`REMOVE is ignored with applyTo ${applyTo} (IST0154)`);
    return;
  }
  if (operation === 'REPLACE' && applyTo !== 'HTTP_FILTER' && applyTo !== 'NETWORK_FILTER') {
    at.warn(`REPLACE only works with applyTo HTTP_FILTER or NETWORK_FILTER, not ${applyTo} (IST0152)`);
    return;
  }
  const relative = operation === 'REMOVE' || operation === 'REPLACE' || operation === 'INSERT_BEFORE' || operation === 'INSERT_AFTER';
  if (relative && priority === 0) {
    at.warn(`${operation} depends on what other EnvoyFilters did first; set spec.priority to make the order explicit (IST0151)`);
  }
}
