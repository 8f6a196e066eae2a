import type { Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import { startAdminServer, type AdminServer } from '../config/admin-api/admin-server.js';
import { ensureAdminToken } from '../config/admin-api/admin-token.js';
import { isProcessAlive, readControllerInfo, removeControllerInfo, writeControllerInfo } from '../config/admin-api/controller-info.js';
import { homePaths } from '../config/admin-api/home-paths.js';
import { DirectoryConfigStore } from '../config/directory-store/directory-config-store.js';
import type { ConfigStore } from '../config/store.js';
import type { KeyAlgorithm } from '../ca/key-algorithm.js';

/** How the controller is asked to run (`plexus controller` flags). */
export interface ControllerOptions {
  home: string;
  /** Admin API port on 127.0.0.1; 0 picks a free one (tests). */
  adminPort: number;
  /** Ports the other parts of the control plane listen on (Istio's numbers by default). */
  xdsPort: number;
  xdsTlsPort: number;
  monitoringPort: number;
  /** Address the plaintext xDS port binds (loopback unless told otherwise). */
  xdsAddress?: string;
  /** Address the monitoring port binds (loopback unless told otherwise). */
  monitoringAddress?: string;
  /** A MeshConfig file that overrides the one in the store. */
  meshConfigFile?: string;
  /** Grace period before an auto-registered WorkloadEntry of a gone proxy is deleted, ms. */
  workloadCleanupGraceMs?: number;
  logger: Logger;
  /** Period of the config directory's fallback rescan, ms. */
  rescanIntervalMs?: number;
  /** The mesh CA (`--cacerts`, `--trust-domain`, …); defaults everywhere when omitted. */
  identity?: IdentityOptions;
}

/** How the controller runs its mesh CA and its TLS port. */
export interface IdentityOptions {
  /** Istio's `cacerts` layout; when set it signs instead of the self-made root. */
  cacertsDir?: string;
  /** Default `cluster.local`. */
  trustDomain?: string;
  /** Default workload certificate lifetime, seconds (24 h). */
  workloadCertTtlSeconds?: number;
  /** Key type of a self-made root (ECDSA P-256 by default). */
  keyAlgorithm?: KeyAlgorithm;
  /** Extra DNS names or IPs for the controller's 15012 certificate. */
  tlsSans?: string[];
  /** A PEM file of further roots to trust (CAs of trust domain aliases). */
  extraRootsFile?: string;
}

/** What a component of the control plane starts from. */
export interface ControllerContext {
  options: ControllerOptions;
  store: ConfigStore;
  logger: Logger;
  /** The admin API, for components that add endpoints to it. */
  admin: AdminServer;
}

/** A started component: the ports it listens on (published in controller.json) and how to stop it. */
export interface StartedComponent {
  ports?: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A part of the control plane started after the config store and the admin API, and stopped
 * before them: the xDS server (ports 15010/15012), the CA, the monitoring endpoints (15014).
 */
export interface ControllerComponent {
  name: string;
  start(ctx: ControllerContext): Promise<StartedComponent>;
}

/** A running controller. */
export interface RunningController {
  store: ConfigStore;
  /** Every listening port by name, as written to controller.json. */
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts the controller on a home directory: the directory config store, the admin API,
 * then each component in order (the xDS server is passed in here by `plexus controller`),
 * and finally publishes controller.json. Anything that fails to start stops what started.
 */
export async function startController(options: ControllerOptions, components: readonly ControllerComponent[] = []): Promise<RunningController> {
  const { home, logger } = options;
  const other = readControllerInfo(home);
  if (other && other.pid !== process.pid && isProcessAlive(other.pid)) {
    throw new PlexusError('PLEXUS_ERR_CONTROLLER_RUNNING', `a controller (pid ${other.pid}) already serves ${home} on ${other.admin.host}:${other.admin.port}; stop it first or use another --home`);
  }
  const stops: { name: string; stop(): Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s.stop();
      } catch (err) {
        logger.error({ err, component: s.name }, 'stopping a controller component failed');
      }
    }
  };
  try {
    const token = await ensureAdminToken(home, logger);
    const store = await DirectoryConfigStore.open({ root: homePaths(home).config, logger: logger.child({ component: 'config-store' }), rescanIntervalMs: options.rescanIntervalMs });
    stops.push({ name: 'config-store', stop: () => store.close() });
    const admin = await startAdminServer({ store, token, port: options.adminPort, logger: logger.child({ component: 'admin-api' }) });
    stops.push({ name: 'admin-api', stop: () => admin.close() });
    const ports: Record<string, number> = { admin: admin.port };
    for (const c of components) {
      const started = await c.start({ options, store, admin, logger: logger.child({ component: c.name }) });
      stops.push({ name: c.name, stop: () => started.stop() });
      Object.assign(ports, started.ports ?? {});
    }
    await writeControllerInfo(home, { pid: process.pid, startedAt: new Date().toISOString(), admin: { host: admin.host, port: admin.port }, ports });
    stops.push({ name: 'controller.json', stop: () => removeControllerInfo(home, process.pid) });
    logger.info({ home, ports, pid: process.pid }, 'controller ready');
    return { store, ports, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
