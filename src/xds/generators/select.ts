import type { ProxyInfo } from '../proxy.js';
import type { Generator } from './generator.js';
import { generatorFor, ROUTER_GENERATORS } from './table.js';

/**
 * Which generator answers a proxy for a type: `GENERATOR: grpc` (proxyless gRPC) wins,
 * then the node type — `router` (gateways) gets the gateway generators, anything else
 * (`sidecar`) the sidecar ones.
 */
export function selectGenerator(typeUrl: string, proxy: ProxyInfo): Generator | undefined {
  if (proxy.generator === 'grpc') return generatorFor(typeUrl, 'grpc');
  if (proxy.type === 'router') return ROUTER_GENERATORS.get(typeUrl);
  return generatorFor(typeUrl, proxy.generator);
}
