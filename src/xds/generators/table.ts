import type { GeneratorKind } from '../proxy.js';
import { TYPE_URL } from '../type-urls.js';
import type { Generator } from './generator.js';
import { grpcClusters } from './grpc-clusters.js';
import { grpcEndpoints } from './grpc-endpoints.js';
import { grpcListeners } from './grpc-listeners.js';
import { grpcRoutes } from './grpc-routes.js';

/**
 * The one table of generators, keyed by type URL, then by the proxy's generator family
 * (node metadata `GENERATOR`). A type a proxy's family lacks is answered with no resources.
 */
export const GENERATORS: ReadonlyMap<string, Readonly<Partial<Record<GeneratorKind, Generator>>>> = new Map([
  [TYPE_URL.listener, { grpc: grpcListeners }],
  [TYPE_URL.route, { grpc: grpcRoutes }],
  [TYPE_URL.cluster, { grpc: grpcClusters }],
  [TYPE_URL.endpoint, { grpc: grpcEndpoints }],
]);

/** The generator for a type and proxy family, if any. */
export function generatorFor(typeUrl: string, kind: GeneratorKind): Generator | undefined {
  return GENERATORS.get(typeUrl)?.[kind];
}
