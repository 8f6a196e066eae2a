import { isIP } from 'node:net';
import type { ClusterLoadAssignment, Endpoint, LocalityEndpoints } from '../config/model.js';
import type { FieldPath } from './invalid-resource.js';
import type { ProtoJson } from './proto-root.js';
import { list, num, obj, str, wrapped } from './proto-values.js';
import { flattenJson, structToJson } from './struct-json.js';
import { translateSocketAddress } from './translate-listener.js';

const HEALTH: ReadonlySet<string> = new Set(['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED']);

/** Envoy's default overprovisioning factor (percent). */
const DEFAULT_OVERPROVISIONING = 140;

/**
 * `config.core.v3.Metadata` flattened to `<filter>.<key>` strings, e.g.
 * `envoy.transport_socket_match.tlsMode` = `istio`, `istio.workload` = `reviews-v1;default;…`.
 */
export function flattenMetadata(v: unknown): Record<string, string> {
  const filters = obj(obj(v)?.filter_metadata) ?? {};
  const out: Record<string, string> = {};
  for (const [filter, struct] of Object.entries(filters)) flattenJson(structToJson(struct), filter, out);
  return out;
}

function endpoint(e: ProtoJson, at: FieldPath, allowHostnames: boolean): Endpoint {
  const ep = obj(e.endpoint) ?? at.at('endpoint').fail('endpoint is required');
  const address = translateSocketAddress(ep.address, at.at('endpoint').at('address'), allowHostnames);
  if (address.port === 0 && isIP(address.address) !== 0) at.at('endpoint').at('address').at('socket_address').at('port_value').fail('port is required');
  const health = String(e.health_status ?? 'UNKNOWN');
  if (!HEALTH.has(health)) at.at('health_status').fail(`unknown health status ${health}`);
  const weight = wrapped(e.load_balancing_weight) ?? 1;
  if (weight < 1) at.at('load_balancing_weight').fail('must be at least 1');
  const hostname = str(ep.hostname);
  return { address, weight, health: health as Endpoint['health'], ...(hostname ? { hostname } : {}), metadata: flattenMetadata(e.metadata) };
}

/**
 * `config.endpoint.v3.ClusterLoadAssignment` → model. `name` is the key the proxy stores it
 * under (the cluster's name, or the EDS service name). Priorities must run 0..N without gaps,
 * as Envoy requires; drop policies are not supported.
 */
export function translateLoadAssignment(cla: ProtoJson, at: FieldPath, opts: { allowHostnames?: boolean; clusterName?: string } = {}): ClusterLoadAssignment {
  const clusterName = opts.clusterName ?? str(cla.cluster_name) ?? at.at('cluster_name').fail('cluster_name is required');
  if (Object.keys(obj(cla.named_endpoints) ?? {}).length > 0) at.at('named_endpoints').fail('not supported');
  const policy = obj(cla.policy);
  if (list(policy?.drop_overloads).length > 0) at.at('policy').at('drop_overloads').fail('drop overloads are not supported');
  const localities = list(cla.endpoints).map((l, i): LocalityEndpoints => {
    const p = at.at('endpoints', i);
    const loc = obj(l.locality) ?? {};
    const region = str(loc.region);
    const zone = str(loc.zone);
    const subZone = str(loc.sub_zone);
    const priority = num(l.priority) ?? 0;
    return {
      locality: { ...(region ? { region } : {}), ...(zone ? { zone } : {}), ...(subZone ? { subZone } : {}) },
      priority,
      // Localities without a weight count as 1, so they are not dropped if weights are enabled.
      weight: wrapped(l.load_balancing_weight) ?? 1,
      endpoints: list(l.lb_endpoints).map((e, j) => endpoint(e, p.at('lb_endpoints', j), opts.allowHostnames === true)),
    };
  });
  const priorities = [...new Set(localities.map((l) => l.priority))].sort((a, b) => a - b);
  priorities.forEach((p, i) => {
    if (p !== i) at.at('endpoints').fail(`priorities must run from 0 without gaps; found ${priorities.join(',')}`);
  });
  const factor = wrapped(policy?.overprovisioning_factor) ?? DEFAULT_OVERPROVISIONING;
  if (factor <= 0) at.at('policy').at('overprovisioning_factor').fail('must be greater than zero');
  return { clusterName, localities, overprovisioningFactor: factor };
}
