/**
 * The Plexus pair: two `plexus proxy` processes (client sidecar → mTLS → server sidecar), set up
 * one of two ways (PLEXUS_BENCH_CONFIG):
 * - `controller` (default): a real `plexus controller` configures both over xDS and its CA
 *   issues their certificates, in explicit mode as on a VM (bench-plexus-controller.ts);
 * - `static`: both read a hand-written snapshot with the openssl certificates the HAProxy pair
 *   uses (bench-plexus-static.ts).
 */
import type { BenchCerts } from './bench-certs.js';
import type { ProxyPair } from './bench-haproxy.js';
import { startPlexusPairViaController } from './bench-plexus-controller.js';
import { startPlexusPairStatic } from './bench-plexus-static.js';

/** How the harness starts the pair; `certs` is undefined when openssl could not make them. */
export interface PlexusPairStarter {
  readonly label: string;
  /** Whether `start` can put AuthorizationPolicies on the server side (the controller pair only). */
  readonly policies: boolean;
  start(certs: BenchCerts | undefined, appPort: number, workDir: string, policies?: number): Promise<ProxyPair>;
}

/** The configured way to start the pair (PLEXUS_BENCH_CONFIG=controller|static; default controller). */
export function plexusPairStarter(): PlexusPairStarter {
  const mode = process.env.PLEXUS_BENCH_CONFIG ?? 'controller';
  if (mode === 'static') {
    return {
      label: 'static --config-file',
      policies: false,
      start: (certs, appPort, workDir) => {
        if (!certs) throw new Error('openssl could not make the certificates the static pair needs');
        return startPlexusPairStatic(certs, appPort, workDir);
      },
    };
  }
  if (mode !== 'controller') throw new Error(`PLEXUS_BENCH_CONFIG is controller or static, not ${JSON.stringify(mode)}`);
  return { label: 'plexus controller + xDS (explicit mode)', policies: true, start: (_certs, appPort, workDir, policies) => startPlexusPairViaController(appPort, workDir, policies) };
}
