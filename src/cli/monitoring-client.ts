import { request } from 'node:http';
import { PlexusError } from '../api/errors.js';
import { isProcessAlive, readControllerInfo } from '../config/admin-api/controller-info.js';

const TIMEOUT_MS = 30_000;

/**
 * Reads the controller's monitoring endpoints (`/debug/syncz`, `/debug/config_dump`) on the
 * port published in `<home>/controller.json`, the way istioctl reaches istiod's 15014.
 */
export class MonitoringClient {
  private constructor(readonly home: string, readonly host: string, readonly port: number) {}

  static connect(home: string): MonitoringClient {
    const start = `start one with \`plexus controller --home ${home}\``;
    const info = readControllerInfo(home);
    if (!info || !isProcessAlive(info.pid)) throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `no Plexus controller is running for ${home}; ${start}`);
    const port = info.ports.monitoring;
    if (port === undefined) throw new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `the controller for ${home} (pid ${info.pid}) publishes no monitoring port`);
    return new MonitoringClient(home, '127.0.0.1', port);
  }

  /** GET a JSON document; 404 becomes PLEXUS_ERR_NOT_FOUND with the controller's message. */
  getJson<T>(path: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, path, method: 'GET', timeout: TIMEOUT_MS, headers: { accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `the controller's monitoring port ${this.host}:${this.port} answered ${path} with something that is not JSON`));
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body as T);
          const message = (body as { error?: string }).error ?? `HTTP ${status}`;
          reject(new PlexusError(status === 404 ? 'PLEXUS_ERR_NOT_FOUND' : status === 400 ? 'PLEXUS_ERR_USAGE' : 'PLEXUS_ERR_INTERNAL', message));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof PlexusError) return reject(err);
        reject(new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `cannot reach the controller's monitoring port ${this.host}:${this.port}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`, { cause: err }));
      });
      req.end();
    });
  }
}
