import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { PlexusError } from '../api/errors.js';
import { DEFAULT_ADMIN_PORT } from '../config/admin-api/admin-server.js';
import type { Command } from './command.js';
import { parseDuration } from '../xds/duration.js';
import { startController, type ControllerComponent } from './controller-runtime.js';
import { xdsComponent } from './controller-xds.js';
import { resolveHome } from './home.js';

const usage = `Usage: plexus controller [--home DIR] [--admin-port N] [--xds-port N] [--xds-tls-port N]
                         [--monitoring-port N] [--xds-address IP] [--monitoring-address IP]
                         [--mesh-config FILE] [--workload-cleanup-grace DURATION] [--log-level LEVEL]

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
  --xds-address IP      address plaintext xDS binds (default 127.0.0.1; 0.0.0.0 for every interface)
  --monitoring-address IP  address the metrics and debug endpoints bind (default 127.0.0.1)
  --mesh-config FILE    MeshConfig to use instead of the one in the store (a bare mesh config
                        or Istio's istio ConfigMap)
  --workload-cleanup-grace DURATION  how long an auto-registered WorkloadEntry outlives its
                        proxy's connection (default 10s, Istio's)
  --log-level LEVEL     trace, debug, info (default), warn, error`;

/** The parts of the control plane started after the store and the admin API, in order. */
export const CONTROLLER_COMPONENTS: ControllerComponent[] = [xdsComponent()];

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
      },
      allowPositionals: false,
    });
    const level = values['log-level'] ?? 'info';
    if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new PlexusError('PLEXUS_ERR_USAGE', `unknown --log-level ${JSON.stringify(level)}`);
    const graceText = values['workload-cleanup-grace'];
    const grace = graceText === undefined ? undefined : parseDuration(graceText);
    if (graceText !== undefined && !grace) throw new PlexusError('PLEXUS_ERR_USAGE', `--workload-cleanup-grace must be a duration such as 10s or 500ms, not ${JSON.stringify(graceText)}`);
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
      logger,
    }, CONTROLLER_COMPONENTS);
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
