import type { Reporter } from '../../diagnostic.js';
import { envoyTypeRegistry } from '../../../shared/envoy-type-registry.js';
import { checkProtoJson, type ProtoJsonPath, type ProtoJsonProblem } from '../../../shared/proto-json-check.js';
import { findNameOnlyExtensions } from './missing-typed-config.js';
import { resolvePatchAnyType } from './patch-any-types.js';
import type { ApplyTo } from './types.js';

/** The Envoy message a patch value is read as, per applyTo (Istio's BuildXDSObjectFromStruct). */
export const PATCH_VALUE_TYPE: Readonly<Record<Exclude<ApplyTo, 'INVALID'>, string>> = {
  LISTENER: 'envoy.config.listener.v3.Listener',
  FILTER_CHAIN: 'envoy.config.listener.v3.FilterChain',
  NETWORK_FILTER: 'envoy.config.listener.v3.Filter',
  HTTP_FILTER: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter',
  ROUTE_CONFIGURATION: 'envoy.config.route.v3.RouteConfiguration',
  VIRTUAL_HOST: 'envoy.config.route.v3.VirtualHost',
  HTTP_ROUTE: 'envoy.config.route.v3.Route',
  CLUSTER: 'envoy.config.cluster.v3.Cluster',
  EXTENSION_CONFIG: 'envoy.config.core.v3.TypedExtensionConfig',
  BOOTSTRAP: 'envoy.config.bootstrap.v3.Bootstrap',
  LISTENER_FILTER: 'envoy.config.listener.v3.ListenerFilter',
};

/**
 * Reads a patch value as the Envoy message `applyTo` names, as istiod's webhook does for every
 * operation that carries a value (MERGE, ADD, INSERT_*, REPLACE, and REMOVE if one is given):
 * what its lenient pass rejects (wrong types, bad enums and durations, an `Any` whose type does
 * not resolve) is an error; what only its strict pass rejects (unknown fields) is a warning,
 * since istiod then accepts the patch and drops the field. Each finding carries the full path
 * into the value. `at` points at `patch.value`.
 */
export function validatePatchValue(applyTo: Exclude<ApplyTo, 'INVALID'>, value: unknown, at: Reporter): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at.error(`patch value must be an object (an Envoy ${PATCH_VALUE_TYPE[applyTo]} in JSON form)`);
    return;
  }
  let problems: ProtoJsonProblem[];
  let nameOnly: ReturnType<typeof findNameOnlyExtensions> = [];
  try {
    const registry = envoyTypeRegistry();
    const found = registry.lookup(PATCH_VALUE_TYPE[applyTo]);
    if (!('type' in found)) {
      at.warn(`patch value not checked against Envoy's protos: ${'failed' in found ? found.failed : `${PATCH_VALUE_TYPE[applyTo]} not found`}`);
      return;
    }
    problems = checkProtoJson(value, found.type, {
      resolveAny: (name, url) => resolvePatchAnyType(registry, name, url),
      unknownFields: 'warning',
      oneofConflicts: 'warning',
    });
    nameOnly = findNameOnlyExtensions(value, found.type);
  } catch (err) {
    // A proto that will not load must not block a write that Istio would accept.
    at.warn(`patch value not checked against Envoy's protos: ${(err as Error).message}`);
    return;
  }
  for (const p of problems) {
    const where = reporterAt(at, p.path);
    if (p.severity === 'error') where.error(p.message);
    else where.warn(p.code === 'unknown-field' ? `${p.message} (Istio accepts the patch but drops the field)` : p.message);
  }
  for (const n of nameOnly) {
    reporterAt(at, n.path).warn(`${n.name ? `"${n.name}"` : 'this extension'} has no typed_config; Envoy no longer finds extensions by name alone, so set one (Istio warns about this too)`);
  }
}

function reporterAt(at: Reporter, path: ProtoJsonPath): Reporter {
  return path.reduce<Reporter>((r, seg) => r.at(seg), at);
}
