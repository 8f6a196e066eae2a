import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import type { CaEndpoint } from '../agent/ca-client.js';
import { CertificateAgent } from '../agent/certificate-agent.js';
import type { ClusterConfig, ClusterLoadAssignment, ListenerConfig, ProxySnapshot, RouteConfiguration, SecretConfig } from '../proxy/config/model.js';
import { SnapshotHolder } from '../proxy/config/snapshot-holder.js';
import { remapBindAddress, type BindAddressMapper } from '../proxy/listener/bind-address.js';
import { ProxyProcess } from '../proxy/proxy-process.js';
import { DEFAULT_XDS_SERVER_NAME, followClientCertificate, trustedRoots, xdsTlsFromCertificate, type NodeIdentity, type XdsClientCertificateOptions } from '../proxy/xds-client/index.js';
import { ProxyPrimary, type PrimaryQuitReason, type ProxyPrimaryOptions } from '../proxy/workers/proxy-primary.js';
import { serveWorkerChannel } from '../proxy/workers/worker-channel.js';
import { WORKER_SLOT_ENV } from '../proxy/workers/worker-pool.js';
import type { Command } from './command.js';
import { DnsNameTable } from '../runtime/dns-name-table.js';
import { DnsProxy } from '../runtime/dns-proxy.js';
import { readResolvConf } from '../runtime/resolv-conf.js';
import { meshDnsHostsFromSnapshot } from './proxy-dns-hosts.js';
import { DEFAULT_ADMIN_PORT } from '../proxy/admin/admin-server.js';
import { AGENT_STATUS_PORT, PROMETHEUS_STATS_PORT } from '../proxy/admin/stats-servers.js';
import type { OriginalDestinationLookup } from '../proxy/listener/original-destination.js';
import { originalDestination, originalDstStatus } from '../runtime/original-dst.js';
import { explicitInterceptionMetadata, parseForwards, parseInboundPorts, type ExplicitForward } from '../xds/generators/explicit-interception.js';

const usage = `Usage: plexus proxy [--controller HOST:PORT [--xds-tls]] [--config-file FILE] [identity flags] [port flags]
                    [--concurrency N] [--drain-timeout DURATION] [--log-level LEVEL]

Runs the Plexus sidecar (or gateway) proxy in the foreground: the agent (workload certificate
from the controller's CA, served as the local secrets "default" and "ROOTCA") and the data plane
(listeners, filter chains, TLS, tcp_proxy, HTTP) configured over xDS. On SIGTERM or SIGINT it
stops accepting, lets in-flight connections finish for up to --drain-timeout, and exits 0.

Config source:
  --controller HOST:PORT   ADS server (default 127.0.0.1:15010 unless --config-file is given)
  --xds-mode MODE          sotw (default) or delta
  --config-file FILE       serve a static snapshot (JSON: listeners, clusters, endpoints, routes,
                           secrets in Plexus's proxy model) instead of, or until, xDS
  --ca-address HOST:PORT   the CA (default: the controller address)
  --token TOKEN            bootstrap token for the CA; --token-file FILE reads it from a file
                           (without either, no workload certificate is requested)
  --cert-ttl D             workload certificate lifetime to ask for, like 30m (default: the CA's);
                           renewed at half-life
  --xds-tls                speak xDS over TLS (the controller's 15012): the agent first gets the
                           workload certificate (token), then the ADS stream presents it and
                           verifies the controller against the mesh root; every renewal
                           reconnects the stream with the new certificate. Needs a token.
                           Secrets named by credentialName are served only to such streams
  --xds-root-cert FILE     roots that sign the controller's certificate (default: the mesh roots
                           the CA returned with the workload certificate). When the CA is on the
                           TLS port too (no --ca-address), it is reached with these roots; without
                           this flag give --ca-address HOST:15010 (the plaintext CA)
  --xds-server-name NAME   name the controller's certificate must carry (default
                           istiod.istio-system.svc; the mesh CA always includes it)

Identity (the xDS node):
  --type sidecar|router    (default sidecar)
  --namespace NS           (default "default")
  --service-account SA     (default "default")
  --workload-name NAME     (default: the pod name)
  --pod-name NAME          (default: the host name)
  --ip IP                  primary IP (default 127.0.0.1); --ips IP,IP for all of them
  --labels k=v,k=v         workload labels
  --cluster-id ID          (default Kubernetes)

Ports:
  --bind-host HOST         bind every listener on HOST instead of its configured address
                           (explicit mode and tests; chains still match the configured ports)
  --port-map P=Q,...       bind configured port P on Q instead (0 picks a free port)
  --readiness-port N       /healthz/ready (default 15021; -1 disables)
  --readiness-host HOST    (default 0.0.0.0)
  --admin-port N           admin API on loopback (default 15000; 0 picks a free port; -1 disables)
  --admin-host HOST        (default 127.0.0.1: the admin API can stop the proxy)
  --admin-mutations WHO    who may POST to the admin API (/quitquitquit, /logging, …): owner
                           (default: a local connection must be the proxy's own user or root, as
                           every local user shares loopback in explicit mode) or anyone (Envoy's
                           way; for a pod, whose loopback only its own app shares)
  --stats-port N           Envoy-style Prometheus stats /stats/prometheus (default 15090; -1 disables)
  --status-port N          merged metrics /stats/prometheus and /healthz/ready (default 15020; -1 disables)
  --stats-host HOST        where 15090 and 15020 bind (default 0.0.0.0)
  --app-metrics URL        the app's Prometheus endpoint merged on 15020 (Istio's metrics merging)
  --capture auto|off       read SO_ORIGINAL_DST of redirected connections (iptables capture) when
                           the native addon loads (default auto); off: use the listener's address
  --http-proxy-port N      explicit mode (Istio's INTERCEPTION_MODE NONE): the app's HTTP proxy on
                           127.0.0.1:N; --inbound-ports I:A,... the workload's registered ports I,
                           served on 127.0.0.1 and forwarded to the app's port A; --forwards
                           HOST:PORT=LOCAL,... binds 127.0.0.1:LOCAL for the service HOST:PORT
  --dns-port N             run the DNS proxy on 127.0.0.1:N (15053 in a pod), answering mesh names
                           with their VIPs from the pushed routes; -1 (default) disables

Process:
  --concurrency N          worker processes sharing the listeners (node:cluster; default 1); the
                           primary keeps the xDS stream, the certificate and the admin, stats and
                           readiness ports (statistics summed over the workers) and re-forks a
                           worker that dies
  --drain-timeout D        how long SIGTERM waits for in-flight connections (default 5s)
  --detection-timeout D    how long listener inspectors wait for first bytes (default 5s)
  --log-level LEVEL        trace, debug, info (default), warn, error`;

/** `5s`, `250ms`, `2m`, or a bare number of seconds → milliseconds. */
function durationMs(value: string | undefined, flag: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new PlexusError('PLEXUS_ERR_USAGE', `${flag} must be a duration like 5s, 250ms or 1m, not ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function intFlag(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new PlexusError('PLEXUS_ERR_USAGE', `${flag} must be an integer ${min}-${max}, not ${JSON.stringify(value)}`);
  return n;
}

function keyValues(value: string | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new PlexusError('PLEXUS_ERR_USAGE', `${flag} takes key=value pairs, not ${JSON.stringify(part)}`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Reads a static snapshot: the proxy model as JSON arrays, keyed by name into maps. */
export function readStaticSnapshot(path: string): ProxySnapshot {
  let doc: { listeners?: ListenerConfig[]; clusters?: ClusterConfig[]; endpoints?: ClusterLoadAssignment[]; routes?: RouteConfiguration[]; secrets?: SecretConfig[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch (err) {
    throw new PlexusError('PLEXUS_ERR_IO', `cannot read --config-file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return {
    listeners: new Map((doc.listeners ?? []).map((l) => [l.name, l])),
    clusters: new Map((doc.clusters ?? []).map((c) => [c.name, c])),
    endpoints: new Map((doc.endpoints ?? []).map((e) => [e.clusterName, e])),
    routes: new Map((doc.routes ?? []).map((r) => [r.name, r])),
    secrets: new Map((doc.secrets ?? []).map((s) => [s.name, s])),
    versions: { static: path },
  };
}

/**
 * `--xds-tls` and its companions, checked: TLS needs a controller and a token (the certificate
 * it presents comes from the CA), and a CA it can reach (plaintext --ca-address, or the TLS port
 * with --xds-root-cert). Undefined without --xds-tls.
 */
function xdsTlsSettings(values: { 'xds-tls'?: boolean; 'xds-root-cert'?: string; 'xds-server-name'?: string; 'ca-address'?: string }, controller: string | undefined, token: string | undefined): XdsClientCertificateOptions | undefined {
  if (!values['xds-tls']) {
    for (const flag of ['xds-root-cert', 'xds-server-name'] as const) if (values[flag] !== undefined) throw new PlexusError('PLEXUS_ERR_USAGE', `--${flag} applies to --xds-tls only`);
    return undefined;
  }
  if (!controller) throw new PlexusError('PLEXUS_ERR_USAGE', '--xds-tls needs --controller HOST:PORT (the controller\'s TLS port, 15012)');
  if (!token) throw new PlexusError('PLEXUS_ERR_USAGE', '--xds-tls needs --token or --token-file: the ADS stream presents the workload certificate the CA issues for it');
  let rootCaPem: string | undefined;
  if (values['xds-root-cert'] !== undefined) {
    try {
      rootCaPem = readFileSync(values['xds-root-cert'], 'utf8');
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_IO', `cannot read --xds-root-cert ${values['xds-root-cert']}: ${(err as Error).message}`, { cause: err });
    }
    if (!rootCaPem.includes('-----BEGIN CERTIFICATE-----')) throw new PlexusError('PLEXUS_ERR_USAGE', `--xds-root-cert ${values['xds-root-cert']} holds no PEM certificate`);
  } else if (values['ca-address'] === undefined) {
    throw new PlexusError('PLEXUS_ERR_USAGE', `--xds-tls: the CA at ${controller} would be reached over TLS with no root to verify it; give --xds-root-cert FILE (the mesh root) or --ca-address HOST:PORT (the plaintext CA, 15010)`);
  }
  return { ...(rootCaPem ? { rootCaPem } : {}), ...(values['xds-server-name'] ? { serverName: values['xds-server-name'] } : {}) };
}

/**
 * Renewals on the CA's TLS port verify it with the given roots plus the bundle of the current
 * certificate, so that a root rotation announced through renewals is trusted by the next call.
 */
function followRoots(agent: CertificateAgent, caTls: CaEndpoint | undefined, xdsTls: XdsClientCertificateOptions | undefined): CertificateAgent {
  if (caTls && xdsTls) agent.on('change', (cert: { certChainPem: string; keyPem: string; rootsPem: string }) => { caTls.tlsRootPem = trustedRoots(cert, xdsTls); });
  return agent;
}

/** A promise with its resolver outside (the admin API's /quitquitquit resolves it). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * SO_ORIGINAL_DST through the native addon when it loads (iptables capture in a pod);
 * connections that were not redirected (ENOENT) keep the listener's own address.
 */
function captureLookup(log: Logger): OriginalDestinationLookup | undefined {
  const status = originalDstStatus();
  if (!status.available) {
    log.debug({ reason: status.reason }, 'original destination addon unavailable: explicit mode');
    return undefined;
  }
  return (socket) => {
    try {
      const od = originalDestination(socket);
      return { address: od.address, port: od.port };
    } catch {
      return undefined;
    }
  };
}

/** Waits for SIGTERM or SIGINT. */
function termination(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export const proxyCommand: Command = {
  name: 'proxy',
  summary: 'Run the sidecar/gateway proxy (agent and data plane) in the foreground',
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        controller: { type: 'string' },
        'xds-mode': { type: 'string' },
        'config-file': { type: 'string' },
        'ca-address': { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'cert-ttl': { type: 'string' },
        'xds-tls': { type: 'boolean' },
        'xds-root-cert': { type: 'string' },
        'xds-server-name': { type: 'string' },
        type: { type: 'string' },
        namespace: { type: 'string' },
        'service-account': { type: 'string' },
        'workload-name': { type: 'string' },
        'pod-name': { type: 'string' },
        ip: { type: 'string' },
        ips: { type: 'string' },
        labels: { type: 'string' },
        'cluster-id': { type: 'string' },
        'bind-host': { type: 'string' },
        'port-map': { type: 'string' },
        'readiness-port': { type: 'string' },
        'readiness-host': { type: 'string' },
        'admin-port': { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-mutations': { type: 'string' },
        'stats-port': { type: 'string' },
        'status-port': { type: 'string' },
        'stats-host': { type: 'string' },
        'app-metrics': { type: 'string' },
        capture: { type: 'string' },
        'dns-port': { type: 'string' },
        'http-proxy-port': { type: 'string' },
        'inbound-ports': { type: 'string' },
        forwards: { type: 'string' },
        concurrency: { type: 'string' },
        'drain-timeout': { type: 'string' },
        'detection-timeout': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
      allowPositionals: false,
    });
    const level = values['log-level'] ?? 'info';
    if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new PlexusError('PLEXUS_ERR_USAGE', `unknown --log-level ${JSON.stringify(level)}`);
    const type = values.type ?? 'sidecar';
    if (type !== 'sidecar' && type !== 'router') throw new PlexusError('PLEXUS_ERR_USAGE', `--type must be sidecar or router, not ${JSON.stringify(type)}`);
    const mode = values['xds-mode'] ?? 'sotw';
    if (mode !== 'sotw' && mode !== 'delta') throw new PlexusError('PLEXUS_ERR_USAGE', `--xds-mode must be sotw or delta`);
    const concurrency = intFlag(values.concurrency, '--concurrency', 1, 1, 256);
    const drainTimeoutMs = durationMs(values['drain-timeout'], '--drain-timeout', 5000);
    const detectionTimeoutMs = durationMs(values['detection-timeout'], '--detection-timeout', 5000);
    const readinessPort = intFlag(values['readiness-port'], '--readiness-port', 15021, -1, 65535);
    const adminPort = intFlag(values['admin-port'], '--admin-port', DEFAULT_ADMIN_PORT, -1, 65535);
    const statsPort = intFlag(values['stats-port'], '--stats-port', PROMETHEUS_STATS_PORT, -1, 65535);
    const statusPort = intFlag(values['status-port'], '--status-port', AGENT_STATUS_PORT, -1, 65535);
    const capture = values.capture ?? 'auto';
    if (capture !== 'auto' && capture !== 'off') throw new PlexusError('PLEXUS_ERR_USAGE', `--capture must be auto or off, not ${JSON.stringify(capture)}`);
    const portMap = Object.fromEntries(Object.entries(keyValues(values['port-map'], '--port-map')).map(([k, v]) => [intFlag(k, '--port-map', 0, 0, 65535), intFlag(v, '--port-map', 0, 0, 65535)]));
    const bindAddress: BindAddressMapper | undefined =
      values['bind-host'] || Object.keys(portMap).length > 0 ? remapBindAddress({ ...(values['bind-host'] ? { host: values['bind-host'] } : {}), ports: portMap }) : undefined;
    const staticSnapshot = values['config-file'] ? readStaticSnapshot(values['config-file']) : undefined;
    const controller = values.controller ?? (staticSnapshot ? undefined : '127.0.0.1:15010');
    const token = values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined);
    const podName = values['pod-name'] ?? (process.env.HOSTNAME || 'plexus-proxy');
    const ip = values.ip ?? '127.0.0.1';
    const httpProxyPort = intFlag(values['http-proxy-port'], '--http-proxy-port', 0, 0, 65535);
    let inboundPorts: Map<number, number>;
    try {
      inboundPorts = parseInboundPorts(values['inbound-ports'] ?? '');
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_USAGE', `--inbound-ports: ${(err as Error).message}`);
    }
    let forwards: ExplicitForward[];
    try {
      forwards = parseForwards(values.forwards ?? '');
    } catch (err) {
      throw new PlexusError('PLEXUS_ERR_USAGE', `--forwards: ${(err as Error).message}`);
    }
    const node: NodeIdentity = {
      type,
      ip,
      podName,
      namespace: values.namespace ?? 'default',
      serviceAccount: values['service-account'] ?? 'default',
      workloadName: values['workload-name'] ?? podName,
      labels: keyValues(values.labels, '--labels'),
      instanceIps: values.ips ? values.ips.split(',').map((s) => s.trim()).filter(Boolean) : [ip],
      ...(values['cluster-id'] ? { clusterId: values['cluster-id'] } : {}),
      ...(httpProxyPort > 0 ? { extraMetadata: explicitInterceptionMetadata({ httpProxyPort, inbound: inboundPorts, forwards }) } : {}),
    };
    const logger = pino({ name: 'plexus-proxy', level }, { write: (line: string) => io.stderr(line) });
    const originalDestination = capture === 'auto' ? captureLookup(logger) : undefined;
    const xdsTls = xdsTlsSettings(values, controller, token);
    const caAddress = values['ca-address'] ?? controller;
    // Without --ca-address under --xds-tls the CA is the TLS port too: reached with the given roots.
    const caTls: CaEndpoint | undefined = xdsTls && caAddress && values['ca-address'] === undefined ? { address: caAddress, tlsRootPem: xdsTls.rootCaPem!, serverName: xdsTls.serverName ?? DEFAULT_XDS_SERVER_NAME } : undefined;
    const certTtlSeconds = values['cert-ttl'] === undefined ? 0 : Math.ceil(durationMs(values['cert-ttl'], '--cert-ttl', 0) / 1000);
    const makeAgent = (): CertificateAgent | undefined => (token && caAddress
      ? followRoots(new CertificateAgent({ ca: caTls ?? { address: caAddress }, token, ...(caTls ? { renewWithCertificate: true } : {}), ttlSeconds: certTtlSeconds, logger: logger.child({ component: 'agent' }) }), caTls, xdsTls)
      : undefined);
    const dnsPort = intFlag(values['dns-port'], '--dns-port', -1, -1, 65535);
    const readiness = readinessPort >= 0 ? { host: values['readiness-host'] ?? '0.0.0.0', port: readinessPort } : false;

    const mutations = values['admin-mutations'] ?? 'owner';
    if (mutations !== 'owner' && mutations !== 'anyone') throw new PlexusError('PLEXUS_ERR_USAGE', `--admin-mutations is owner or anyone, not ${JSON.stringify(mutations)}`);
    const adminOptions = adminPort >= 0 ? { host: values['admin-host'] ?? '127.0.0.1', port: adminPort, mutations } as const : false;
    const statsServers = statsPort >= 0 || statusPort >= 0
      ? {
        host: values['stats-host'] ?? '0.0.0.0',
        prometheusPort: statsPort >= 0 ? statsPort : false,
        agentPort: statusPort >= 0 ? statusPort : false,
        ...(values['app-metrics'] ? { appMetrics: { url: values['app-metrics'] } } : {}),
      } as const
      : false;

    if (concurrency > 1 && cluster.isPrimary) {
      const agent = makeAgent();
      const firstCert = xdsTls ? await agent!.start() : undefined;
      return runPrimary({
        concurrency, logger, drainTimeoutMs, dnsPort, namespace: node.namespace, agent, agentStarted: firstCert !== undefined,
        ...(xdsTls ? { xdsTls } : {}),
        options: {
          concurrency,
          logger,
          ...(controller ? { xds: { address: controller, node, mode, ...(firstCert ? { tls: xdsTlsFromCertificate(firstCert, xdsTls) } : {}) } } : {}),
          ...(staticSnapshot ? { staticSnapshot } : {}),
          health: readiness,
          admin: adminOptions,
          statsServers,
        },
      });
    }
    const inWorker = cluster.isWorker;
    const holder = inWorker ? new SnapshotHolder() : undefined;
    const agent = inWorker ? undefined : makeAgent();
    // Over TLS the ADS stream needs the workload certificate first (the agent retries until it has one).
    const firstCert = xdsTls && agent ? await agent.start() : undefined;
    const slot = process.env[WORKER_SLOT_ENV];
    // The root logger stays the one whose level /logging (through the primary) changes.
    const log = inWorker ? logger.child({ worker: slot !== undefined ? Number(slot) : cluster.worker?.id }) : logger;
    const proxy = new ProxyProcess({
      logger: log,
      ...(holder ? { holder } : {}),
      ...(!inWorker && controller ? { xds: { address: controller, node, mode, ...(firstCert ? { tls: xdsTlsFromCertificate(firstCert, xdsTls) } : {}) } } : {}),
      ...(!inWorker && staticSnapshot ? { staticSnapshot } : {}),
      ...(agent ? { certificates: agent } : {}),
      ...(bindAddress ? { bindAddress } : {}),
      detectionTimeoutMs,
      ...(originalDestination ? { originalDestination } : {}),
      // A worker's readiness, admin and scrape ports are the primary's (it sums the workers).
      health: inWorker ? false : readiness,
      admin: inWorker ? false : adminOptions,
      statsServers: inWorker ? false : statsServers,
    });
    proxy.onQuit = () => quit.resolve('quitquitquit');
    if (inWorker) serveWorkerChannel(proxy, logger, log);
    const quit = deferred<NodeJS.Signals | 'quitquitquit'>();
    const stopping = Promise.race([termination(), quit.promise]);
    const dns = !inWorker && dnsPort >= 0 ? await startDnsProxy(proxy.holder, node.namespace, dnsPort, logger) : undefined;
    if (!firstCert) agent?.start().catch((err: unknown) => log.error({ err: (err as Error).message }, 'workload certificate agent stopped'));
    const unfollow = agent && xdsTls && proxy.xds ? followClientCertificate(proxy.xds, agent, xdsTls) : undefined;
    await proxy.start();
    log.info({ ports: proxy.ports, capture: originalDestination !== undefined }, 'proxy started');
    const signal = await stopping;
    log.info({ signal, drainTimeoutMs, connections: proxy.listeners.activeConnections }, 'draining before exit');
    unfollow?.();
    agent?.stop();
    await dns?.stop();
    const clean = await proxy.drain(drainTimeoutMs);
    log.info({ clean }, 'proxy stopped');
    // A worker's IPC channel would keep it alive after the proxy has stopped.
    if (inWorker) cluster.worker?.disconnect();
    return 0;
  },
};

/** The sidecar's DNS proxy, its name table following every pushed snapshot. */
async function startDnsProxy(holder: SnapshotHolder, namespace: string, port: number, logger: Logger): Promise<DnsProxy> {
  const resolv = await readResolvConf();
  const table = new DnsNameTable({ proxyNamespace: namespace, searchDomains: resolv.search });
  const refresh = (): void => table.update(meshDnsHostsFromSnapshot(holder.current));
  refresh();
  holder.on('update', refresh);
  const dns = new DnsProxy({ table, port, logger: logger.child({ component: 'dns' }) });
  await dns.start();
  return dns;
}

interface PrimaryOptions {
  concurrency: number;
  logger: Logger;
  options: ProxyPrimaryOptions;
  agent: CertificateAgent | undefined;
  /** The agent already holds its first certificate (xDS over TLS waited for it). */
  agentStarted: boolean;
  /** xDS over TLS: the primary's stream follows the agent's certificate. */
  xdsTls?: XdsClientCertificateOptions;
  drainTimeoutMs: number;
  dnsPort: number;
  namespace: string;
}

/**
 * `--concurrency N`: the primary runs the agent, the xds-client, the DNS proxy and the admin,
 * scrape and readiness ports once, and N node:cluster workers bind the listeners (see
 * ProxyPrimary). SIGTERM, SIGINT or /quitquitquit drain every worker; exit status 0 when all
 * of them exited 0, 1 otherwise or when a worker was crash-looping.
 */
async function runPrimary(o: PrimaryOptions): Promise<number> {
  const primary = new ProxyPrimary({ ...o.options, ...(o.agent ? { certificates: o.agent } : {}) });
  const quit = deferred<NodeJS.Signals | PrimaryQuitReason>();
  primary.onQuit = (reason) => quit.resolve(reason);
  const stopping = Promise.race([termination(), quit.promise]);
  const dns = o.dnsPort >= 0 ? await startDnsProxy(primary.holder, o.namespace, o.dnsPort, o.logger) : undefined;
  if (!o.agentStarted) o.agent?.start().catch((err: unknown) => o.logger.error({ err: (err as Error).message }, 'workload certificate agent stopped'));
  const unfollow = o.agent && o.xdsTls && primary.xds ? followClientCertificate(primary.xds, o.agent, o.xdsTls) : undefined;
  await primary.start();
  o.logger.info({ ports: primary.ports, concurrency: o.concurrency }, 'proxy started');
  const reason = await stopping;
  o.logger.info({ signal: reason, drainTimeoutMs: o.drainTimeoutMs }, 'draining before exit');
  unfollow?.();
  o.agent?.stop();
  await dns?.stop();
  // Each worker drains for its own --drain-timeout; the extra time covers its start-up and exit.
  const clean = await primary.drain(o.drainTimeoutMs + 5_000);
  o.logger.info({ clean }, 'proxy stopped');
  return clean && reason !== 'crash-loop' ? 0 : 1;
}
