import type { ResponseFlag } from './response-flags.js';

/**
 * Why an upstream stream ended before it produced response headers, in Envoy's words (they end
 * up in the local reply body: `... reset reason: connection failure`).
 */
export type ResetReason =
  | 'connection failure'
  | 'connection termination'
  | 'remote reset'
  | 'remote refused stream reset'
  | 'local reset'
  | 'overflow'
  | 'connection timeout'
  | 'protocol error';

/**
 * A failure on the data plane that maps to a local reply: it carries the Envoy response flag
 * that explains it. The upstream layer throws these (or errors of the same shape: a `flag`
 * property) so the HTTP layer can answer like Envoy without knowing the cause's details.
 */
export class DataPlaneError extends Error {
  constructor(
    readonly flag: ResponseFlag,
    message: string,
    readonly options: { readonly resetReason?: ResetReason; readonly transportFailureReason?: string; readonly cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DataPlaneError';
  }

  get resetReason(): ResetReason | undefined {
    return this.options.resetReason;
  }
}
