/**
 * The Plexus pair as users run it on VMs without namespaces (explicit mode, what
 * `plexus run --capture none` sets up, see src/agent/explicit-workload.ts): a real
 * `plexus controller` on a temporary home, the mesh applied with `plexus apply`, and two
 * `plexus proxy` processes configured over xDS with certificates from the controller's CA
 * (bootstrap tokens from `plexus x ca token`). The client sidecar is the load's HTTP proxy
 * (origin-form requests carrying `Host: bench-server:8080`); the server sidecar's inbound
 * port is the WorkloadEntry's, in front of the bench server. Before any measuring, a request
 * must answer 200 through the pair and the server sidecar must show that the hop is mTLS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '../src/api/resource.js';
import { freePorts } from '../src/agent/free-ports.js';
import { httpGet } from '../src/agent/http-probe.js';
import type { ProxyPair } from './bench-haproxy.js';
import { BenchController, startPlexus } from './bench-plexus-cli.js';
import type { Child } from './bench-process.js';

const LOOPBACK = '127.0.0.1';
const NAMESPACE = 'bench';
const SERVICE = 'bench-server';
const SERVICE_PORT = 8080;
/** What the load generator sends to the client sidecar's HTTP proxy port. */
const AUTHORITY = `${SERVICE}:${SERVICE_PORT}`;
const CLIENT = { name: 'bench-client', serviceAccount: 'bench-client' } as const;
const SERVER = { name: 'bench-server-1', serviceAccount: 'bench-server' } as const;
const TRUST_DOMAIN = 'cluster.local';
const READY_TIMEOUT_MS = 30_000;

/**
 * The mesh: a Service (port 8080, HTTP) selecting the server's WorkloadEntry (127.0.0.1, its
 * port the server sidecar's inbound one; the tlsMode label and service account make clients
 * use auto-mTLS), and PeerAuthentication STRICT on the server so its sidecar refuses plaintext.
 */
export function benchMesh(inboundPort: number): Resource[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: SERVICE, namespace: NAMESPACE }, spec: { selector: { app: SERVICE }, ports: [{ name: 'http', port: SERVICE_PORT, protocol: 'TCP', appProtocol: 'http' }] } },
    {
      apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: SERVER.name, namespace: NAMESPACE },
      spec: { address: LOOPBACK, labels: { app: SERVICE, 'security.istio.io/tlsMode': 'istio' }, serviceAccount: SERVER.serviceAccount, ports: { http: inboundPort } },
    },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: SERVICE, namespace: NAMESPACE }, spec: { selector: { matchLabels: { app: SERVICE } }, mtls: { mode: 'STRICT' } } },
  ];
}

interface SidecarPorts {
  readonly httpProxy: number;
  readonly readiness: number;
  readonly admin: number;
}

/** The explicit-mode flags `plexus run --capture none` gives its sidecar (explicit-workload.ts), for one bench workload. */
function sidecarArgs(w: { name: string; serviceAccount: string }, labels: string, xds: string, tokenFile: string, ports: SidecarPorts, inbound?: string): string[] {
  return [
    'proxy', '--controller', xds, '--token-file', tokenFile,
    '--ip', LOOPBACK, '--namespace', NAMESPACE, '--service-account', w.serviceAccount,
    '--workload-name', w.name, '--pod-name', w.name, '--labels', labels,
    '--capture', 'off', '--http-proxy-port', String(ports.httpProxy), ...(inbound ? ['--inbound-ports', inbound] : []),
    '--readiness-port', String(ports.readiness), '--readiness-host', LOOPBACK, '--admin-port', String(ports.admin),
    '--stats-port=-1', '--status-port=-1', '--drain-timeout', '1s', '--log-level', 'warn',
  ];
}

/** Polls until `check` holds; the error says what was awaited and what the children logged. */
async function until(what: string, check: () => Promise<boolean>, children: readonly Child[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    for (const c of children) if (c.proc.exitCode !== null || c.proc.signalCode !== null) throw new Error(`${c.name} exited while waiting for ${what}:\n${c.output()}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${READY_TIMEOUT_MS} ms waiting for ${what}\n${children.map((c) => `${c.name}:\n${c.output()}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface DumpChain {
  name?: string;
  filter_chain_match?: { transport_protocol?: string };
  transport_socket?: { name?: string; typed_config?: { require_client_certificate?: boolean | { value?: boolean } } };
}

/** The filter chains of listener `name` in an Envoy-shaped /config_dump. */
function listenerChains(dump: string, name: string): DumpChain[] | undefined {
  const configs = (JSON.parse(dump) as { configs?: Array<{ dynamic_listeners?: Array<{ name?: string; active_state?: { listener?: { filter_chains?: DumpChain[] } } }> }> }).configs ?? [];
  for (const c of configs) for (const l of c.dynamic_listeners ?? []) if (l.name === name) return l.active_state?.listener?.filter_chains ?? [];
  return undefined;
}

/** Sum of `family` samples whose labels include every one of `labels`, from Prometheus text. */
function promSum(text: string, family: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${family}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Proof that the server side takes only mTLS from the client's identity: its inbound listener
 * has only TLS chains requiring a client certificate, plaintext is refused, and its
 * destination-side request metric counts the probe as `mutual_tls` from the client's SPIFFE ID.
 */
async function checkMutualTls(serverAdmin: number, inboundPort: number, requestsSent: number): Promise<string> {
  const listener = `${LOOPBACK}_${inboundPort}`;
  const chains = listenerChains((await httpGet(`http://${LOOPBACK}:${serverAdmin}/config_dump`, 5000)).body, listener);
  if (!chains || chains.length === 0) throw new Error(`the server sidecar's config_dump has no listener ${listener}`);
  const requireCert = (c: DumpChain): boolean => {
    const v = c.transport_socket?.typed_config?.require_client_certificate;
    return typeof v === 'object' ? v.value === true : v === true;
  };
  const plain = chains.filter((c) => c.filter_chain_match?.transport_protocol !== 'tls' || !c.transport_socket || !requireCert(c));
  if (plain.length > 0) throw new Error(`listener ${listener} of the server sidecar still has chains without required mTLS: ${plain.map((c) => c.name ?? '?').join(', ')}`);
  const plaintext = await httpGet(`http://${LOOPBACK}:${inboundPort}/`, 2000);
  if (plaintext.status !== 0) throw new Error(`the server sidecar answered plaintext HTTP with ${plaintext.status} despite STRICT`);
  const source = `spiffe://${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/${CLIENT.serviceAccount}`;
  let mtls = 0;
  // The server side records a request as its response ends, which may trail the client's 200 a little.
  for (let i = 0; i < 20 && mtls < requestsSent; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    const stats = (await httpGet(`http://${LOOPBACK}:${serverAdmin}/stats/prometheus`, 5000)).body;
    mtls = promSum(stats, 'istio_requests_total', { reporter: 'destination', connection_security_policy: 'mutual_tls', source_principal: source, response_code: '200' });
  }
  if (mtls < requestsSent) throw new Error(`the server sidecar counted ${mtls} of ${requestsSent} probe requests as mutual_tls from ${source}`);
  return `server sidecar ${listener}: ${chains.length} TLS-only chain(s) requiring a client certificate, plaintext refused, ${mtls} request(s) counted mutual_tls from ${source}`;
}

/**
 * `count` AuthorizationPolicies on the bench server, shaped so that a request is checked against
 * every one of them: `count - 1` ALLOW policies that never match the bench request (another
 * caller, a method, a path and a header each), then one that allows the bench client. Envoy
 * evaluates an RBAC filter's policies in name order, so the matching one is named last.
 */
export function benchPolicies(count: number): Resource[] {
  const policy = (name: string, rules: unknown[]): Resource => ({
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: NAMESPACE },
    spec: { selector: { matchLabels: { app: SERVICE } }, action: 'ALLOW', rules },
  });
  const out: Resource[] = [];
  for (let i = 0; i < count - 1; i++) {
    out.push(policy(`bench-${String(i).padStart(3, '0')}`, [{
      from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/caller-${i}`] } }],
      to: [{ operation: { methods: ['POST'], paths: [`/api/v${i}/*`] } }],
      when: [{ key: 'request.headers[x-tenant]', values: [`tenant-${i}`] }],
    }]));
  }
  if (count > 0) out.push(policy('zz-allow-bench-client', [{ from: [{ source: { principals: [`${TRUST_DOMAIN}/ns/${NAMESPACE}/sa/${CLIENT.serviceAccount}`] } }] }]));
  return out;
}

/**
 * The pair configured by a real `plexus controller` over xDS, with certificates from its CA;
 * `policies` AuthorizationPolicies on the server side (see {@link benchPolicies}).
 */
export async function startPlexusPairViaController(appPort: number, workDir: string, policies = 0): Promise<ProxyPair> {
  const home = mkdtempSync(join(workDir, 'plexus-home-'));
  let controller: BenchController | undefined;
  const started: Child[] = [];
  const stop = async (): Promise<void> => {
    // Client first (it holds connections to the server side), then the server side, then the controller.
    for (const c of started.splice(0).reverse()) await c.stop();
    await controller?.stop();
    controller = undefined;
    rmSync(home, { recursive: true, force: true });
  };
  try {
    controller = await BenchController.start(home);
    const [inbound, serverHttp, serverReady, serverAdmin, clientHttp, clientReady, clientAdmin] = await freePorts(7, LOOPBACK);
    await controller.apply([...benchMesh(inbound), ...benchPolicies(policies)]);
    const tokenFile = (sa: string, token: string): string => {
      const file = join(home, `${sa}.token`);
      writeFileSync(file, token, { mode: 0o600 });
      return file;
    };
    const serverToken = tokenFile(SERVER.serviceAccount, await controller.token(NAMESPACE, SERVER.serviceAccount));
    const clientToken = tokenFile(CLIENT.serviceAccount, await controller.token(NAMESPACE, CLIENT.serviceAccount));
    const server = startPlexus('plexus proxy (server side)', sidecarArgs(SERVER, `app=${SERVICE}`, controller.xdsAddress, serverToken, { httpProxy: serverHttp, readiness: serverReady, admin: serverAdmin }, `${inbound}:${appPort}`), { PLEXUS_HOME: home });
    started.push(server);
    const client = startPlexus('plexus proxy (client side)', sidecarArgs(CLIENT, `app=${CLIENT.name}`, controller.xdsAddress, clientToken, { httpProxy: clientHttp, readiness: clientReady, admin: clientAdmin }), { PLEXUS_HOME: home });
    started.push(client);
    const all = [controller.child, server, client];
    const ready = (port: number) => async () => (await httpGet(`http://${LOOPBACK}:${port}/healthz/ready`, 1000)).status === 200;
    await until('the server sidecar ready', ready(serverReady), all);
    await until('the client sidecar ready', ready(clientReady), all);
    let probes = 0;
    await until(`200 through the pair (Host: ${AUTHORITY})`, async () => {
      const r = await httpGet(`http://${LOOPBACK}:${clientHttp}/`, 2000, { host: AUTHORITY });
      if (r.status === 200) probes++;
      return r.status === 200;
    }, all);
    const verified = await checkMutualTls(serverAdmin, inbound, probes);
    return { entryPort: clientHttp, host: AUTHORITY, processes: [client, server], verified, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
