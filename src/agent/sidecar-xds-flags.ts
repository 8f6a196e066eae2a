import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** Where a launched sidecar finds the controller. */
export interface SidecarXdsTarget {
  /** The controller's address as the sidecar reaches it (loopback, or the pod bridge). */
  readonly host: string;
  /** The plaintext xDS/CA port (15010). */
  readonly xdsPort: number;
  /** The TLS xDS/CA port (15012), when the controller opened it (it has a CA). */
  readonly xdsTlsPort?: number | undefined;
  /**
   * The mesh root for the sidecar to verify 15012 with (see {@link writeMeshRootFile}); then the
   * CA is reached on 15012 too and renews with the current certificate. Without it the token
   * goes to the plaintext CA.
   */
  readonly rootFile?: string | undefined;
}

/**
 * The `plexus proxy` flags that connect a sidecar or gateway started by `plexus run` or
 * `plexus gateway run`: xDS over TLS on 15012 with the workload certificate (the token gets it
 * from the CA first), so that the controller knows the proxy's identity and serves it its
 * Secrets. A controller without 15012 (no CA) gets plaintext xDS, with a warning.
 */
export function sidecarXdsFlags(t: SidecarXdsTarget, log: Logger): string[] {
  if (!t.xdsTlsPort) {
    log.warn({ controller: `${t.host}:${t.xdsPort}` }, 'the controller has no xDS over TLS (15012 not open: no mesh CA); the proxy uses plaintext xDS, and Secrets (credentialName) will not be served to it');
    return ['--controller', `${t.host}:${t.xdsPort}`];
  }
  const tls = ['--controller', `${t.host}:${t.xdsTlsPort}`, '--xds-tls'];
  return t.rootFile ? [...tls, '--xds-root-cert', t.rootFile] : [...tls, '--ca-address', `${t.host}:${t.xdsPort}`];
}

/**
 * Copies the controller's trust bundle (`$PLEXUS_HOME/ca/root-cert.pem`) to `dest` for a sidecar
 * (Istio mounts the `istio-ca-root-cert` ConfigMap the same way), readable by `owner` when given.
 * Undefined when the controller wrote none (no CA) or it cannot be read.
 */
export function writeMeshRootFile(home: string, dest: string, owner?: { uid: number; gid: number }): string | undefined {
  const src = join(home, 'ca', 'root-cert.pem');
  if (!existsSync(src)) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(src);
  } catch {
    // Not ours to read (another user's controller): the sidecar takes the roots from the CA instead.
    return undefined;
  }
  writeFileSync(dest, pem, { mode: 0o444 });
  if (owner) chownSync(dest, owner.uid, owner.gid);
  return dest;
}
