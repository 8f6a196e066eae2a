import type { PackedAny } from '../protos.js';
import type { ProxyInfo } from '../proxy.js';
import type { PushContext } from '../push-context.js';

/** One generated xDS resource: its name and the packed message. */
export interface GeneratedResource {
  readonly name: string;
  readonly resource: PackedAny;
}

/**
 * A generator: a pure function of the push context, the proxy and the names it asked
 * for (`undefined` = wildcard, everything the proxy may see) to the resources of one type.
 * Names that resolve to nothing are simply absent from the result.
 */
export type Generator = (push: PushContext, proxy: ProxyInfo, names: readonly string[] | undefined) => GeneratedResource[];
