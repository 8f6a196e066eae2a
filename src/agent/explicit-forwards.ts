import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PlexusError } from '../api/errors.js';
import type { Resource } from '../api/resource.js';
import type { ExplicitForward } from '../xds/generators/explicit-interception.js';
import { claimPort, freePorts } from './free-ports.js';
import type { AdminApi } from './workload-entry.js';

/** Explicit mode's forwards listen here, as every other explicit-mode port. */
const LOOPBACK = '127.0.0.1';

/** A `--forward HOST:PORT[=LOCAL]` of `plexus run`. */
export interface ForwardRequest {
  readonly host: string;
  readonly port: number;
  /** The loopback port to bind; allocated when absent. */
  readonly local?: number;
}

/** One service the app gets Kubernetes-style variables for, with the ports to forward. */
export interface EnvService {
  /** Which object it comes from: a Service keeps the variables when a ServiceEntry's name clashes. */
  readonly kind: 'Service' | 'ServiceEntry';
  /** The object's name, which names the variables (`details` → `DETAILS_SERVICE_HOST`). */
  readonly name: string;
  /** What the sidecar resolves: `<name>.<ns>.svc` for a Service, the host of a ServiceEntry. */
  readonly host: string;
  /** How `--forward` may name the same service (`details`, `details.default`, …). */
  readonly aliases: readonly string[];
  /** Forwardable ports in declaration order (UDP and SCTP left out). */
  readonly ports: ReadonlyArray<{ readonly name: string; readonly port: number }>;
}

/** The forwards of one workload and the variables its app gets. */
export interface ForwardPlan {
  readonly forwards: readonly ExplicitForward[];
  readonly env: Readonly<Record<string, string>>;
  /** Variable names two forwards would both have claimed: the first kept. */
  readonly collisions: readonly string[];
}

/** kubelet's rule for the variable prefix of a Service name: upper case, `-` → `_` (nothing else changes). */
export function kubeletEnvName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** `PLEXUS_FORWARD_<HOST>_<PORT>`: the host upper-cased, every character other than a letter or digit → `_`. */
export function plexusForwardVar(host: string, port: number): string {
  return `PLEXUS_FORWARD_${host.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${port}`;
}

const FORWARDABLE_L4 = new Set(['', 'TCP']);

interface ServiceSpecView {
  type?: string;
  clusterIP?: string;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}

interface ServiceEntrySpecView {
  hosts?: string[];
  resolution?: string;
  ports?: Array<{ name?: string; number?: number; protocol?: string }>;
}

/**
 * The services of a namespace that get variables at start-up, as kubelet picks them: every
 * Service with a cluster IP (so not headless `clusterIP: None`, not `ExternalName`) and, as
 * Plexus's extension, every ServiceEntry with exactly one host that is not a wildcard and
 * whose resolution is not NONE (a forward needs endpoints to balance over). Only TCP ports:
 * a forward cannot carry UDP or SCTP.
 */
export async function namespaceEnvServices(admin: AdminApi, namespace: string): Promise<EnvService[]> {
  const out: EnvService[] = [];
  const services = await admin.list('Service', namespace).catch(() => ({ items: [] as Resource[] }));
  for (const item of services.items) {
    const spec = (item.spec ?? {}) as ServiceSpecView;
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None') continue;
    const ports = (spec.ports ?? [])
      .filter((p) => typeof p.port === 'number' && FORWARDABLE_L4.has((p.protocol ?? '').toUpperCase()))
      .map((p) => ({ name: p.name ?? '', port: p.port! }));
    if (ports.length === 0) continue;
    const name = item.metadata.name;
    out.push({ kind: 'Service', name, host: `${name}.${namespace}.svc`, aliases: [name, `${name}.${namespace}`, `${name}.${namespace}.svc`], ports });
  }
  const entries = await admin.list('ServiceEntry', namespace).catch(() => ({ items: [] as Resource[] }));
  for (const item of entries.items) {
    const spec = (item.spec ?? {}) as ServiceEntrySpecView;
    const hosts = spec.hosts ?? [];
    if (hosts.length !== 1 || hosts[0]!.startsWith('*') || (spec.resolution ?? 'NONE') === 'NONE') continue;
    const ports = (spec.ports ?? [])
      .filter((p) => typeof p.number === 'number' && (p.protocol ?? '').toUpperCase() !== 'UDP')
      .map((p) => ({ name: p.name ?? '', port: p.number! }));
    // A Service of the same name keeps the variables: Kubernetes' own objects first.
    if (ports.length === 0 || out.some((s) => s.kind === 'Service' && kubeletEnvName(s.name) === kubeletEnvName(item.metadata.name).replace(/\./g, '_'))) continue;
    out.push({ kind: 'ServiceEntry', name: item.metadata.name, host: hosts[0]!.toLowerCase(), aliases: [hosts[0]!.toLowerCase()], ports });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Parses one `--forward HOST:PORT[=LOCAL]`. */
export function parseForwardFlag(text: string): ForwardRequest {
  const m = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})(?:=(\d{1,5}))?$/.exec(text.trim());
  const port = Number(m?.[3]);
  const local = m?.[4] === undefined ? undefined : Number(m[4]);
  if (!m || port < 1 || port > 65535 || (local !== undefined && (local < 1 || local > 65535))) {
    throw new PlexusError('PLEXUS_ERR_USAGE', `--forward takes HOST:PORT or HOST:PORT=LOCALPORT, not ${JSON.stringify(text)}`);
  }
  return { host: m[1]!.toLowerCase(), port, ...(local !== undefined ? { local } : {}) };
}

interface Target {
  readonly host: string;
  readonly port: number;
  readonly aliases: readonly string[];
  local?: number;
  readonly vars: string[];
}

/**
 * The forwards of a workload: one per port of each namespace service, merged with the
 * `--forward` requests (a request naming a service port already forwarded only chooses its
 * local port and adds its own `PLEXUS_FORWARD_…` name). Local ports the requests leave open
 * come from `allocate`, in order. The variables follow kubelet (`<NAME>_SERVICE_HOST`,
 * `<NAME>_SERVICE_PORT` = the first port, `<NAME>_SERVICE_PORT_<PORTNAME>`, and the Docker
 * link ones `<NAME>_PORT`, `<NAME>_PORT_<port>_TCP[_PROTO|_PORT|_ADDR]`) with 127.0.0.1 and
 * the local ports as values, plus `PLEXUS_FORWARD_<HOST>_<PORT>=127.0.0.1:<local>` per forward.
 */
export function planForwards(services: readonly EnvService[], requests: readonly ForwardRequest[], allocate: () => number): ForwardPlan {
  const targets: Target[] = [];
  const byService = new Map<EnvService, Target[]>();
  for (const s of services) {
    const list = s.ports.map((p) => ({ host: s.host, port: p.port, aliases: s.aliases, vars: [plexusForwardVar(s.aliases[0]!, p.port)] }));
    byService.set(s, list);
    targets.push(...list);
  }
  for (const r of requests) {
    const same = targets.find((t) => t.port === r.port && (t.aliases.includes(r.host) || t.aliases.some((a) => r.host.startsWith(`${a}.`) && a.endsWith('.svc'))));
    const target = same ?? { host: r.host, port: r.port, aliases: [r.host], vars: [] };
    if (!same) targets.push(target);
    if (r.local !== undefined) {
      if (target.local !== undefined && target.local !== r.local) throw new PlexusError('PLEXUS_ERR_USAGE', `--forward gives ${r.host}:${r.port} two local ports (${target.local}, ${r.local})`);
      if (targets.some((t) => t !== target && t.local === r.local)) throw new PlexusError('PLEXUS_ERR_USAGE', `--forward uses local port ${r.local} twice`);
      target.local = r.local;
    }
    const name = plexusForwardVar(r.host, r.port);
    if (!target.vars.includes(name)) target.vars.push(name);
  }
  for (const t of targets) t.local ??= allocate();

  const env: Record<string, string> = {};
  const collisions: string[] = [];
  const set = (name: string, value: string): void => {
    if (name in env) {
      if (env[name] !== value) collisions.push(name);
      return;
    }
    env[name] = value;
  };
  for (const s of services) {
    const list = byService.get(s)!;
    // Service names have no dots (DNS labels); a ServiceEntry's may, which no variable name can hold.
    const prefix = kubeletEnvName(s.name).replace(/\./g, '_');
    set(`${prefix}_SERVICE_HOST`, LOOPBACK);
    set(`${prefix}_SERVICE_PORT`, String(list[0]!.local));
    set(`${prefix}_PORT`, `tcp://${LOOPBACK}:${list[0]!.local}`);
    s.ports.forEach((p, i) => {
      const local = list[i]!.local!;
      if (p.name) set(`${prefix}_SERVICE_PORT_${kubeletEnvName(p.name)}`, String(local));
      const link = `${prefix}_PORT_${p.port}_TCP`;
      set(link, `tcp://${LOOPBACK}:${local}`);
      set(`${link}_PROTO`, 'tcp');
      set(`${link}_PORT`, String(local));
      set(`${link}_ADDR`, LOOPBACK);
    });
  }
  for (const t of targets) for (const v of t.vars) set(v, `${LOOPBACK}:${t.local}`);
  return { forwards: targets.map((t) => ({ host: t.host, port: t.port, local: t.local! })), env, collisions };
}

/** Binds `ports` on loopback and keeps them until released: explicitly requested local ports, checked and held while others are picked. */
async function holdPorts(ports: readonly number[]): Promise<() => Promise<void>> {
  const servers: Server[] = [];
  const release = (): Promise<void> => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  try {
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => reject(new PlexusError('PLEXUS_ERR_USAGE', `--forward local port ${port} is not free on ${LOOPBACK} (${err.code ?? err.message})`, { cause: err })));
        server.listen({ host: LOOPBACK, port, exclusive: true }, resolve);
      });
      servers.push(server);
    }
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

/**
 * Plans the forwards of a workload starting now: the namespace's services as they are at
 * this moment (services created later get no variables, as with kubelet) and the requests.
 * Requested local ports must be free. All other ports come from one allocation, so none
 * repeats: `others` ports for the caller (returned in `ports`), then the forwards' ones; with
 * `reservations` they are claimed for this process until `releasePorts`.
 */
export async function workloadForwards(admin: AdminApi, namespace: string, requests: readonly ForwardRequest[], others: number, reservations?: string): Promise<{ plan: ForwardPlan; ports: number[] }> {
  const services = await namespaceEnvServices(admin, namespace);
  // Count first (merging decides how many are needed), then allocate everything at once.
  let needed = 0;
  planForwards(services, requests, () => ++needed);
  const wanted = [...new Set(requests.map((r) => r.local).filter((p): p is number => p !== undefined))];
  // Claimed first, so that no workload of this home starting meanwhile picks one of them.
  for (const port of wanted) {
    if (reservations !== undefined && !claimPort(reservations, port)) throw new PlexusError('PLEXUS_ERR_USAGE', `--forward local port ${port} is claimed by another workload (${join(reservations, String(port))})`);
  }
  const release = await holdPorts(wanted);
  let free: number[];
  try {
    free = await freePorts(others + needed, LOOPBACK, reservations);
  } finally {
    await release();
  }
  let next = others;
  return { plan: planForwards(services, requests, () => free[next++]!), ports: free.slice(0, others) };
}
