import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { PlexusError } from '../api/errors.js';
import { DEFAULT_ADMIN_PORT } from '../config/admin-api/admin-server.js';
import type { Command } from './command.js';
import { parseDuration } from '../xds/duration.js';
import { startController, type ControllerComponent, type IdentityOptions } from './controller-runtime.js';
import { controllerIdentity } from './controller-identity.js';
import type { KeyAlgorithm } from '../ca/key-algorithm.js';
import { xdsComponent } from './controller-xds.js';
import { resolveHome } from './home.js';

const usage = `Usage: plexus controller [--home DIR] [--admin-port N] [--xds-port N] [--xds-tls-port N]
                         [--monitoring-port N] [--xds-address IP] [--monitoring-address IP]
                         [--mesh-config FILE] [--workload-cleanup-grace DURATION] [--log-level LEVEL]
                         [--cacerts DIR] [--trust-domain TD] [--workload-cert-ttl DURATION]
                         [--key-algorithm ecdsa|rsa] [--tls-san NAME]... [--extra-roots FILE]

Runs the Plexus control plane in the foreground (the istiod equivalent) on a home directory
(--home, else $PLEXUS_HOME, else ~/.plexus): the config store in DIR/config (files edited
there by hand are picked up), and the admin API that plexus apply/get/delete use, on
127.0.0.1:--admin-port (default ${DEFAULT_ADMIN_PORT}; 0 picks a free port) with the bearer
token in DIR/admin-token. The pid and ports are published in DIR/controller.json.
Stops cleanly on SIGTERM or SIGINT. Logs are JSON lines (pino) on standard error.

Flags:
  --xds-port N          plaintext xDS and CA (default 15010)
  --xds-tls-port N      xDS and CA over TLS (default 15012)
  --monitoring-port N   metrics and debug endpoints (default 15014)
  --xds-address IP[,IP] addresses xDS binds (default 127.0.0.1 for plaintext, 0.0.0.0 for TLS;
                        a list binds each, e.g. 127.0.0.1,198.18.0.1 to serve the pod bridge too)
  --monitoring-address IP  address the metrics and debug endpoints bind (default 127.0.0.1)
  --mesh-config FILE    MeshConfig to use instead of the one in the store (a bare mesh config
                        or Istio's istio ConfigMap)
  --workload-cleanup-grace DURATION  how long an auto-registered WorkloadEntry outlives its
                        proxy's connection (default 10s, Istio's)
  --log-level LEVEL     trace, debug, info (default), warn, error

Mesh CA (its state lives in DIR/ca; the xDS ports also serve Istio's CSR service):
  --cacerts DIR         sign with a plugged-in CA in Istio's layout (ca-cert.pem, ca-key.pem,
                        root-cert.pem, cert-chain.pem) instead of the self-made root
  --trust-domain TD     trust domain of workload identities (default cluster.local)
  --workload-cert-ttl DURATION  default workload certificate lifetime (default 24h, at most 90 days)
  --key-algorithm ecdsa|rsa  key type of a self-made root (default ecdsa: P-256; rsa: 2048 bits)
  --tls-san NAME        another DNS name or IP for the 15012 certificate (repeatable); it always
                        has plexus-controller, istiod.istio-system.svc, localhost and 127.0.0.1
  --extra-roots FILE    further roots (PEM) to trust, e.g. the CAs of trust domain aliases`;

/** The parts of the control plane started after the store and the admin API, in order: the mesh CA first, then xDS that serves it. */
export function controllerComponents(): ControllerComponent[] {
  const identity = controllerIdentity();
  return [identity.component, xdsComponent(identity.xdsSeams)];
}

const KEY_ALGORITHMS: Readonly<Record<string, KeyAlgorithm>> = { ecdsa: 'ec-p256', 'ec-p256': 'ec-p256', rsa: 'rsa-2048', 'rsa-2048': 'rsa-2048' };

/** The identity flags as the CA wants them. */
function identityOptions(values: { cacerts?: string; 'trust-domain'?: string; 'workload-cert-ttl'?: string; 'key-algorithm'?: string; 'tls-san'?: string[]; 'extra-roots'?: string }): IdentityOptions {
  const ttlText = values['workload-cert-ttl'];
  const ttl = ttlText === undefined ? undefined : parseDuration(ttlText);
  if (ttlText !== undefined && (!ttl || ttl.seconds < 60)) throw new PlexusError('PLEXUS_ERR_USAGE', `--workload-cert-ttl must be a duration of at least 1m such as 24h, not ${JSON.stringify(ttlText)}`);
  const alg = values['key-algorithm'];
  if (alg !== undefined && !KEY_ALGORITHMS[alg]) throw new PlexusError('PLEXUS_ERR_USAGE', `--key-algorithm must be ecdsa or rsa, not ${JSON.stringify(alg)}`);
  const td = values['trust-domain'];
  if (td !== undefined && !/^[a-z0-9._-]{1,255}$/.test(td)) throw new PlexusError('PLEXUS_ERR_USAGE', `--trust-domain must be a lower-case DNS-like name, not ${JSON.stringify(td)}`);
  if (values.cacerts !== undefined && alg !== undefined) throw new PlexusError('PLEXUS_ERR_USAGE', '--key-algorithm applies to a self-made root; a plugged-in CA (--cacerts) brings its own key');
  return {
    cacertsDir: values.cacerts,
    trustDomain: td,
    workloadCertTtlSeconds: ttl?.seconds,
    keyAlgorithm: alg === undefined ? undefined : KEY_ALGORITHMS[alg],
    tlsSans: values['tls-san'],
    extraRootsFile: values['extra-roots'],
  };
}

function port(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new PlexusError('PLEXUS_ERR_USAGE', `${flag} must be a port number 0-65535, not ${JSON.stringify(value)}`);
  return n;
}

export const controllerCommand: Command = {
  name: 'controller',
  summary: 'Run the control plane (config store, admin API, xDS, monitoring) in the foreground',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        home: { type: 'string' },
        'admin-port': { type: 'string' },
        'xds-port': { type: 'string' },
        'xds-tls-port': { type: 'string' },
        'monitoring-port': { type: 'string' },
        'xds-address': { type: 'string' },
        'monitoring-address': { type: 'string' },
        'mesh-config': { type: 'string' },
        'workload-cleanup-grace': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        cacerts: { type: 'string' },
        'trust-domain': { type: 'string' },
        'workload-cert-ttl': { type: 'string' },
        'key-algorithm': { type: 'string' },
        'tls-san': { type: 'string', multiple: true },
        'extra-roots': { type: 'string' },
      },
      allowPositionals: false,
    });
    const level = values['log-level'] ?? 'info';
    if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new PlexusError('PLEXUS_ERR_USAGE', `unknown --log-level ${JSON.stringify(level)}`);
    const graceText = values['workload-cleanup-grace'];
    const grace = graceText === undefined ? undefined : parseDuration(graceText);
    if (graceText !== undefined && !grace) throw new PlexusError('PLEXUS_ERR_USAGE', `--workload-cleanup-grace must be a duration such as 10s or 500ms, not ${JSON.stringify(graceText)}`);
    const identity = identityOptions(values);
    const logger = pino({ name: 'plexus-controller', level }, { write: (line: string) => io.stderr(line) });
    const running = await startController({
      home: resolveHome(values.home, io.env),
      adminPort: port(values['admin-port'], '--admin-port', DEFAULT_ADMIN_PORT),
      xdsPort: port(values['xds-port'], '--xds-port', 15010),
      xdsTlsPort: port(values['xds-tls-port'], '--xds-tls-port', 15012),
      monitoringPort: port(values['monitoring-port'], '--monitoring-port', 15014),
      xdsAddress: values['xds-address'],
      monitoringAddress: values['monitoring-address'],
      meshConfigFile: values['mesh-config'],
      workloadCleanupGraceMs: grace ? grace.seconds * 1000 + grace.nanos / 1e6 : undefined,
      identity,
      logger,
    }, controllerComponents());
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const on = (sig: NodeJS.Signals): void => {
        process.off('SIGTERM', on);
        process.off('SIGINT', on);
        resolve(sig);
      };
      process.on('SIGTERM', on);
      process.on('SIGINT', on);
    });
    logger.info({ signal }, 'shutting down');
    await running.stop();
    logger.info('controller stopped');
    return 0;
  },
};
