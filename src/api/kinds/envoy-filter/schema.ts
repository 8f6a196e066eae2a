import { any, enumOf, int32, list, map, message, str, uint32, type Schema } from '../../schema/schema.js';
import { networkingWorkloadSelectorSchema } from '../workload-entry/workload-selector.js';
import { APPLY_TO, FILTER_CLASSES, PATCH_CONTEXTS, PATCH_OPERATIONS, ROUTE_ACTIONS } from './types.js';

const listenerMatchSchema: Schema = message('ListenerMatch', () => ({
  portNumber: uint32(),
  portName: str(),
  filterChain: message('FilterChainMatch', () => ({
    name: str(),
    sni: str(),
    transportProtocol: str(),
    applicationProtocols: str(),
    filter: message('FilterMatch', () => ({ name: str(), subFilter: message('SubFilterMatch', () => ({ name: str() })) })),
    destinationPort: uint32(),
  })),
  listenerFilter: str(),
  name: str(),
}));

const routeConfigurationMatchSchema: Schema = message('RouteConfigurationMatch', () => ({
  portNumber: uint32(),
  portName: str(),
  gateway: str(),
  vhost: message('VirtualHostMatch', () => ({
    name: str(),
    domainName: str(),
    route: message('RouteMatch', () => ({ name: str(), action: enumOf(...ROUTE_ACTIONS) })),
  })),
  name: str(),
}));

const clusterMatchSchema: Schema = message('ClusterMatch', () => ({ portNumber: uint32(), service: str(), subset: str(), name: str() }));

const matchSchema: Schema = message(
  'EnvoyConfigObjectMatch',
  () => ({
    context: enumOf(...PATCH_CONTEXTS),
    proxy: message('ProxyMatch', () => ({ proxyVersion: str(), metadata: map(str()) })),
    listener: listenerMatchSchema,
    routeConfiguration: routeConfigurationMatchSchema,
    cluster: clusterMatchSchema,
    waypoint: message('WaypointMatch', () => ({
      filter: message('FilterMatch', () => ({ name: str(), subFilter: message('SubFilterMatch', () => ({ name: str() })) })),
      portNumber: uint32(),
    })),
  }),
  [['listener', 'routeConfiguration', 'cluster']],
);

/** istio.type.v1beta1.PolicyTargetReference. */
export const policyTargetReferenceSchema: Schema = message('PolicyTargetReference', () => ({ group: str(), kind: str(), name: str(), namespace: str() }));

/** EnvoyFilter spec. */
export const envoyFilterSchema: Schema = message('EnvoyFilter', () => ({
  workloadSelector: networkingWorkloadSelectorSchema,
  targetRefs: list(policyTargetReferenceSchema),
  configPatches: list(
    message('EnvoyConfigObjectPatch', () => ({
      applyTo: enumOf(...APPLY_TO),
      match: matchSchema,
      patch: message('Patch', () => ({ operation: enumOf(...PATCH_OPERATIONS), value: any(), filterClass: enumOf(...FILTER_CLASSES) })),
    })),
  ),
  priority: int32(),
}));
