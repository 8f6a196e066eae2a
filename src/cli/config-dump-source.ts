import { request } from 'node:http';
import { PlexusError } from '../api/errors.js';
import type { EnvoyConfigDump } from '../xds/config-dump.js';
import { MonitoringClient } from './monitoring-client.js';

/**
 * Where `proxy-config` reads a proxy's configuration: the controller's view of what it sends
 * (`/debug/config_dump?proxyID=`), a proxy's own admin port (`/config_dump?include_eds`, once
 * the Plexus proxy serves one), or an in-process offline build. All give Envoy's layout.
 */
export interface ConfigDumpSource {
  /** For messages: where the config came from. */
  readonly description: string;
  fetch(): Promise<EnvoyConfigDump>;
}

/** The controller's debug endpoint for a connected proxy. */
export function controllerSource(home: string, proxyId: string): ConfigDumpSource {
  return {
    description: `the controller for ${home}`,
    fetch: () => MonitoringClient.connect(home).getJson<EnvoyConfigDump>(`/debug/config_dump?proxyID=${encodeURIComponent(proxyId)}`),
  };
}

/** A proxy's admin endpoint (`http://127.0.0.1:15000`), as Envoy and the Plexus proxy serve it. */
export function proxyAdminSource(baseUrl: string): ConfigDumpSource {
  return {
    description: `the proxy admin at ${baseUrl}`,
    fetch: () => new Promise((resolve, reject) => {
      const url = new URL('/config_dump?include_eds', baseUrl);
      const req = request(url, { timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) !== 200) return reject(new PlexusError('PLEXUS_ERR_NOT_FOUND', `${url.href} answered HTTP ${res.statusCode ?? '?'}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EnvoyConfigDump);
          } catch (err) {
            reject(new PlexusError('PLEXUS_ERR_PARSE', `${url.href} did not answer JSON`, { cause: err }));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 30s')));
      req.on('error', (err) => reject(err instanceof PlexusError ? err : new PlexusError('PLEXUS_ERR_CONTROLLER_UNREACHABLE', `cannot reach ${url.href}: ${err.message}`, { cause: err })));
      req.end();
    }),
  };
}

/** An already-built dump (offline generation). */
export function staticSource(description: string, build: () => EnvoyConfigDump): ConfigDumpSource {
  return { description, fetch: async () => build() };
}
