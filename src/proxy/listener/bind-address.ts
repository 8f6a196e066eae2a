import type { ListenerConfig, SocketAddress } from '../config/model.js';

/** Where a listener's socket is actually bound, given its configured address. */
export type BindAddressMapper = (listener: ListenerConfig) => SocketAddress;

/** Binds exactly what the config says. */
export const configuredBindAddress: BindAddressMapper = (l) => l.address;

/** How to remap listener addresses (tests, explicit mode). */
export interface BindRemapOptions {
  /** Host to bind instead of the configured one (e.g. `127.0.0.1`). */
  readonly host?: string;
  /** Configured port → bound port; 0 picks a free port. Ports not listed keep their number unless `otherPorts` says otherwise. */
  readonly ports?: Readonly<Record<number, number>>;
  /** `same` (default) keeps unlisted ports, `ephemeral` binds them to port 0. */
  readonly otherPorts?: 'same' | 'ephemeral';
}

/**
 * A mapper that rewrites host and ports, so that `0.0.0.0:15001` can become `127.0.0.1:0` in a
 * test or an explicit-mode sidecar. Chain matching still sees the configured port.
 */
export function remapBindAddress(opts: BindRemapOptions): BindAddressMapper {
  return (l) => {
    const mapped = opts.ports?.[l.address.port];
    const port = mapped ?? (opts.otherPorts === 'ephemeral' ? 0 : l.address.port);
    return { address: opts.host ?? l.address.address, port };
  };
}
