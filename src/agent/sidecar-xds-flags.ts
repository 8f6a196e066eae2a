import type { Logger } from 'pino';

/** Where a launched sidecar finds the controller. */
export interface SidecarXdsTarget {
  /** The controller's address as the sidecar reaches it (loopback, or the pod bridge). */
  readonly host: string;
  /** The plaintext xDS/CA port (15010): the CA the token goes to. */
  readonly xdsPort: number;
  /** The TLS xDS port (15012), when the controller opened it (it has a CA). */
  readonly xdsTlsPort?: number | undefined;
}

/**
 * The `plexus proxy` flags that connect a sidecar or gateway started by `plexus run` or
 * `plexus gateway run`: xDS over TLS on 15012 with the workload certificate (the token gets it
 * from the CA on 15010 first), so that the controller knows the proxy's identity and serves it
 * its Secrets. A controller without 15012 (no CA) gets plaintext xDS, with a warning.
 */
export function sidecarXdsFlags(t: SidecarXdsTarget, log: Logger): string[] {
  if (t.xdsTlsPort) return ['--controller', `${t.host}:${t.xdsTlsPort}`, '--xds-tls', '--ca-address', `${t.host}:${t.xdsPort}`];
  log.warn({ controller: `${t.host}:${t.xdsPort}` }, 'the controller has no xDS over TLS (15012 not open: no mesh CA); the proxy uses plaintext xDS, and Secrets (credentialName) will not be served to it');
  return ['--controller', `${t.host}:${t.xdsPort}`];
}
