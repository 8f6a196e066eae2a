/**
 * The Plexus pair from static snapshots (`PLEXUS_BENCH_CONFIG=static`): two `plexus proxy`
 * processes reading `--config-file` (the proxy's own model, shaped like what the controller
 * sends a sidecar) and carrying the same openssl-made certificates as the HAProxy pair. No
 * controller, no telemetry filters: the bare listener → router → mTLS cluster path.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCerts } from './bench-certs.js';
import type { ProxyPair } from './bench-haproxy.js';
import { startPlexus } from './bench-plexus-cli.js';
import { freePort, waitForPort, type Child } from './bench-process.js';

const ROUTER = { name: 'envoy.filters.http.router', typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', config: {} };
const UNLIMITED = 4294967295;

function httpManager(statPrefix: string, cluster: string): Record<string, unknown> {
  return {
    kind: 'http_connection_manager',
    statPrefix,
    routeConfig: {
      name: statPrefix,
      virtualHosts: [{
        name: 'all',
        domains: ['*'],
        routes: [{ match: { path: { kind: 'prefix', value: '/' }, caseSensitive: true, headers: [], queryParameters: [] }, action: { kind: 'route', clusters: [{ name: cluster, weight: 100 }], timeoutMs: 0, hashPolicy: [], mirrors: [] } }],
      }],
    },
    httpFilters: [ROUTER],
    codec: 'AUTO',
    useRemoteAddress: false,
    xffNumTrustedHops: 0,
    generateRequestId: true,
    maxRequestHeadersKb: 60,
    upgradeTypes: [],
  };
}

function staticCluster(name: string, port: number, tls?: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    lbPolicy: 'ROUND_ROBIN',
    connectTimeoutMs: 1000,
    loadAssignment: { clusterName: name, overprovisioningFactor: 140, localities: [{ locality: {}, priority: 0, weight: 1, endpoints: [{ address: { address: '127.0.0.1', port }, weight: 1, health: 'HEALTHY', metadata: {} }] }] },
    circuitBreakers: { maxConnections: UNLIMITED, maxPendingRequests: UNLIMITED, maxRequests: UNLIMITED, maxRetries: UNLIMITED },
    tlsMatches: [],
    http2: false,
    useDownstreamProtocol: false,
    ...(tls ? { tls } : {}),
  };
}

function secrets(certPem: string, keyPem: string, rootPem: string): Record<string, unknown>[] {
  return [{ name: 'default', certificateChain: certPem, privateKey: keyPem }, { name: 'ROOTCA', trustedCa: rootPem }];
}

/** Static snapshots shaped like what the controller sends a sidecar: outbound HTTP listener, ISTIO_MUTUAL cluster; inbound mTLS chain. */
export function plexusPairConfigs(certs: BenchCerts, ports: { client: number; server: number; app: number }): { client: object; server: object } {
  const outboundCluster = 'outbound|8080||server.bench.svc.cluster.local';
  const client = {
    listeners: [{
      name: '0.0.0.0_8080', address: { address: '127.0.0.1', port: ports.client }, useOriginalDst: false, bindToPort: true, tlsInspector: false, httpInspector: false,
      filterChains: [{ name: 'outbound', match: {}, filters: [httpManager('outbound_0.0.0.0_8080', outboundCluster)] }],
    }],
    clusters: [staticCluster(outboundCluster, ports.server, {
      sni: 'outbound_.8080_._.server.bench.svc.cluster.local',
      certificateSecrets: ['default'],
      validationSecret: 'ROOTCA',
      matchSubjectAltNames: [{ kind: 'exact', value: certs.server.spiffeId }],
      alpnProtocols: ['http/1.1'],
      istioMutual: true,
      insecureSkipVerify: false,
    })],
    secrets: secrets(certs.client.certPem, certs.client.keyPem, certs.rootPem),
  };
  const server = {
    listeners: [{
      name: 'virtualInbound', address: { address: '127.0.0.1', port: ports.server }, useOriginalDst: false, bindToPort: true, tlsInspector: true, httpInspector: false,
      filterChains: [{
        name: 'inbound|8080||',
        match: { transportProtocol: 'tls' },
        tls: { certificateSecrets: ['default'], validationSecret: 'ROOTCA', requireClientCertificate: true, matchSubjectAltNames: [{ kind: 'prefix', value: 'spiffe://cluster.local/' }], alpnProtocols: ['http/1.1'] },
        filters: [httpManager('inbound_0.0.0.0_8080', 'inbound|8080||')],
      }],
    }],
    clusters: [staticCluster('inbound|8080||', ports.app)],
    secrets: secrets(certs.server.certPem, certs.server.keyPem, certs.rootPem),
  };
  return { client, server };
}

function startProxy(name: string, configFile: string, workload: string): Child {
  return startPlexus(name, ['proxy', '--config-file', configFile, '--readiness-port=-1', '--admin-port=0', '--stats-port=0', '--status-port=0', '--log-level', 'warn', '--namespace', 'bench', '--workload-name', workload, '--service-account', workload]);
}

/** Two `plexus proxy` processes from static config files. */
export async function startPlexusPairStatic(certs: BenchCerts, appPort: number, workDir: string): Promise<ProxyPair> {
  const ports = { client: await freePort(), server: await freePort(), app: appPort };
  const { client, server } = plexusPairConfigs(certs, ports);
  writeFileSync(join(workDir, 'plexus-client.json'), JSON.stringify(client, null, 2));
  writeFileSync(join(workDir, 'plexus-server.json'), JSON.stringify(server, null, 2));
  const s = startProxy('plexus proxy (server side)', join(workDir, 'plexus-server.json'), 'server');
  const c = startProxy('plexus proxy (client side)', join(workDir, 'plexus-client.json'), 'client');
  try {
    await waitForPort(ports.server, s);
    await waitForPort(ports.client, c);
  } catch (err) {
    await Promise.all([c.stop(), s.stop()]);
    throw err;
  }
  return { entryPort: ports.client, processes: [c, s], stop: async () => { await Promise.all([c.stop(), s.stop()]); } };
}
