import type { GeneratorKind } from '../proxy.js';
import { TYPE_URL } from '../type-urls.js';
import type { Generator } from './generator.js';
import { grpcClusters } from './grpc-clusters.js';
import { grpcEndpoints } from './grpc-endpoints.js';
import { grpcListeners } from './grpc-listeners.js';
import { grpcRoutes } from './grpc-routes.js';
import { gatewayListeners } from './gateway-listeners.js';
import { gatewayRoutes } from './gateway-routes.js';
import { gatewayClusters, sidecarClusters } from './sidecar-clusters.js';
import { sidecarEndpoints } from './sidecar-endpoints.js';
import { sidecarListeners } from './sidecar-listeners.js';
import { sidecarRoutes } from './sidecar-routes.js';
import { sdsSecrets } from './sds-secrets.js';

/**
 * The one table of generators, keyed by type URL, then by the proxy's generator family
 * (node metadata `GENERATOR`). A type a proxy's family lacks is answered with no resources.
 */
export const GENERATORS: ReadonlyMap<string, Readonly<Partial<Record<GeneratorKind, Generator>>>> = new Map([
  [TYPE_URL.listener, { grpc: grpcListeners, sidecar: sidecarListeners }],
  [TYPE_URL.route, { grpc: grpcRoutes, sidecar: sidecarRoutes }],
  [TYPE_URL.cluster, { grpc: grpcClusters, sidecar: sidecarClusters }],
  [TYPE_URL.endpoint, { grpc: grpcEndpoints, sidecar: sidecarEndpoints }],
  [TYPE_URL.secret, { grpc: sdsSecrets, sidecar: sdsSecrets }],
]);

/** Generators for gateways (node type `router`, without `GENERATOR: grpc`), keyed by type URL. */
export const ROUTER_GENERATORS: ReadonlyMap<string, Generator> = new Map([
  [TYPE_URL.listener, gatewayListeners],
  [TYPE_URL.route, gatewayRoutes],
  [TYPE_URL.cluster, gatewayClusters],
  [TYPE_URL.endpoint, sidecarEndpoints],
  [TYPE_URL.secret, sdsSecrets],
]);

/** The generator for a type and proxy family, if any. */
export function generatorFor(typeUrl: string, kind: GeneratorKind): Generator | undefined {
  return GENERATORS.get(typeUrl)?.[kind];
}
