import type { Logger } from 'pino';
import type { GeneratedResource } from './generators/generator.js';
import { selectGenerator } from './generators/select.js';
import type { ProxyInfo } from './proxy.js';
import type { PushContext } from './push-context.js';
import { resourceVersion } from './resource-version.js';
import { SHORT_TYPE } from './type-urls.js';

/** A generated resource with its content version. */
export interface VersionedResource extends GeneratedResource {
  readonly version: string;
}

/**
 * Runs the generator for a type; undefined when generation failed (logged), so a bug in
 * one generator leaves the proxy on its last good config instead of sending garbage.
 */
export function generateResources(log: Logger, push: PushContext, proxy: ProxyInfo, typeUrl: string, names: readonly string[] | undefined): VersionedResource[] | undefined {
  const gen = selectGenerator(typeUrl, proxy);
  if (!gen) return [];
  try {
    return gen(push, proxy, names).map((r) => ({ ...r, version: resourceVersion(r) }));
  } catch (err) {
    log.error({ err, proxy: proxy.id, type: SHORT_TYPE[typeUrl] ?? typeUrl }, 'xDS generation failed; keeping the last config');
    return undefined;
  }
}
