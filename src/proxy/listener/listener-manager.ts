import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ListenerConfig, ProxySnapshot, SocketAddress } from '../config/model.js';
import type { SnapshotHolder } from '../config/snapshot-holder.js';
import { configuredBindAddress, type BindAddressMapper } from './bind-address.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { ListenerStats } from './listener-stats.js';
import { destinationOf, listenerForDestination, noOriginalDestination, type OriginalDestinationLookup } from './original-destination.js';

/** Options of the listener manager. */
export interface ListenerManagerOptions {
  readonly holder: SnapshotHolder;
  readonly handler: ConnectionHandler;
  readonly stats: ListenerStats;
  readonly logger: Logger;
  /** Where to bind each listener (default: its configured address). */
  readonly bindAddress?: BindAddressMapper;
  /** SO_ORIGINAL_DST or a test's injected lookup (default: none, the listener's own address). */
  readonly originalDestination?: OriginalDestinationLookup;
  /** How long connections of a removed listener may run on before they are closed (Envoy's drain time, default 600 s). */
  readonly listenerDrainMs?: number;
}

/** A listening socket and the connections it accepted. */
interface BoundListener {
  readonly name: string;
  config: ListenerConfig;
  readonly bind: SocketAddress;
  readonly server: Server;
  readonly connections: Set<Socket>;
  retired: boolean;
  drainTimer?: NodeJS.Timeout;
}

const sameAddress = (a: SocketAddress, b: SocketAddress): boolean => a.address === b.address && a.port === b.port;
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Binds the snapshot's listeners and keeps them in step with it. On every swap: new listeners
 * are bound, removed ones stop accepting while their connections finish (up to the drain time),
 * and changed ones take the new config for new connections only — a connection keeps the
 * snapshot (and so the chain) it was accepted with. A listener whose address changes is
 * rebound, the old socket draining like a removed one.
 */
export class ListenerManager extends EventEmitter<{ applied: [snapshot: ProxySnapshot, boundListeners: number] }> {
  private readonly bound = new Map<string, BoundListener>();
  private readonly retired = new Set<BoundListener>();
  private readonly bindAddress: BindAddressMapper;
  private readonly lookup: OriginalDestinationLookup;
  private readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private nextId = 1;
  private stopped = false;
  private readonly onUpdate = (next: ProxySnapshot): void => void this.reconcile(next);

  constructor(private readonly opts: ListenerManagerOptions) {
    super();
    this.bindAddress = opts.bindAddress ?? configuredBindAddress;
    this.lookup = opts.originalDestination ?? noOriginalDestination;
    this.log = opts.logger;
  }

  /** Binds the current snapshot's listeners and follows every later swap. */
  async start(): Promise<void> {
    this.opts.holder.on('update', this.onUpdate);
    await this.reconcile(this.opts.holder.current);
  }

  /** Applies a snapshot's listeners; calls are serialized, so swaps apply in order. */
  reconcile(snapshot: ProxySnapshot): Promise<void> {
    const run = this.queue.then(() => this.apply(snapshot));
    this.queue = run.catch((err: unknown) => this.log.error({ err }, 'listener reconcile failed'));
    return this.queue;
  }

  /** The address a listener is actually bound to (after remapping), if it is. */
  address(name: string): AddressInfo | undefined {
    const b = this.bound.get(name);
    const a = b?.server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Names of the listeners currently accepting. */
  get listenerNames(): string[] {
    return [...this.bound.keys()];
  }

  /** Open downstream connections, on live and retired listeners. */
  get activeConnections(): number {
    let n = 0;
    for (const b of this.bound.values()) n += b.connections.size;
    for (const b of this.retired) n += b.connections.size;
    return n;
  }

  /** Stops accepting everywhere (SIGTERM, /drain_listeners); established connections continue. */
  async stopAccepting(): Promise<void> {
    this.stopped = true;
    this.opts.holder.off('update', this.onUpdate);
    await this.queue;
    for (const b of [...this.bound.values()]) this.retire(b, false);
  }

  /**
   * Waits until every connection has finished or `timeoutMs` passed, then closes what is left.
   * Resolves true when nothing had to be cut.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.activeConnections > 0 && Date.now() < deadline) await delay(Math.min(50, Math.max(1, deadline - Date.now())));
    const clean = this.activeConnections === 0;
    if (!clean) this.log.warn({ remaining: this.activeConnections }, 'drain timeout: closing remaining connections');
    this.destroyAll();
    return clean;
  }

  /** Stops everything now: no drain. */
  async close(): Promise<void> {
    await this.stopAccepting();
    this.destroyAll();
  }

  private destroyAll(): void {
    for (const b of [...this.bound.values(), ...this.retired]) {
      for (const s of b.connections) s.destroy();
      if (b.drainTimer) clearTimeout(b.drainTimer);
    }
    this.retired.clear();
  }

  private async apply(snapshot: ProxySnapshot): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { config: ListenerConfig; bind: SocketAddress }>();
    for (const l of snapshot.listeners.values()) if (l.bindToPort) wanted.set(l.name, { config: l, bind: this.bindAddress(l) });
    // Retire first, so a listener renamed onto the same port can bind it.
    for (const b of [...this.bound.values()]) {
      const w = wanted.get(b.name);
      if (!w || !sameAddress(w.bind, b.bind)) this.retire(b, true);
    }
    for (const [name, w] of wanted) {
      const b = this.bound.get(name);
      if (b) {
        b.config = w.config;
        continue;
      }
      await this.bind(w.config, w.bind);
    }
    this.emit('applied', snapshot, this.bound.size);
  }

  private async bind(config: ListenerConfig, bind: SocketAddress): Promise<void> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false, noDelay: true });
    const b: BoundListener = { name: config.name, config, bind, server, connections: new Set(), retired: false };
    server.on('connection', (socket: Socket) => this.accept(b, socket));
    server.on('error', (err) => this.log.error({ listener: config.name, err: err.message }, 'listener socket error'));
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: bind.address, port: bind.port, backlog: 1024 }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (err) {
        // A port just released by a retired listener can take a moment to become free.
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) {
          await delay(50 * (attempt + 1));
          continue;
        }
        this.log.error({ listener: config.name, address: bind, err: (err as Error).message }, 'cannot bind listener');
        return;
      }
    }
    this.bound.set(config.name, b);
    this.log.info({ listener: config.name, configured: config.address, bound: server.address() }, 'listener bound');
  }

  /** Stops accepting on a listener; its connections go on until they end or the drain time passes. */
  private retire(b: BoundListener, withDrainTimer: boolean): void {
    if (b.retired) return;
    b.retired = true;
    this.bound.delete(b.name);
    b.server.close();
    this.log.info({ listener: b.name, connections: b.connections.size }, 'listener stopped accepting');
    if (b.connections.size === 0) return;
    this.retired.add(b);
    if (withDrainTimer) {
      b.drainTimer = setTimeout(() => {
        this.log.info({ listener: b.name, connections: b.connections.size }, 'drain time over: closing connections of a removed listener');
        for (const s of b.connections) s.destroy();
      }, this.opts.listenerDrainMs ?? 600_000);
      b.drainTimer.unref();
    }
  }

  private accept(b: BoundListener, socket: Socket): void {
    // Never let a socket error escape the event loop.
    socket.on('error', (err) => this.log.debug({ listener: b.name, err: err.message }, 'downstream socket error'));
    if (b.retired) {
      socket.destroy();
      return;
    }
    const id = this.nextId++;
    const { stats } = this.opts;
    b.connections.add(socket);
    stats.cxTotal.inc({ envoy_listener_address: b.name });
    stats.adjustActive(b.name, 1);
    socket.once('close', () => {
      b.connections.delete(socket);
      stats.adjustActive(b.name, -1);
      if (b.retired && b.connections.size === 0) {
        if (b.drainTimer) clearTimeout(b.drainTimer);
        this.retired.delete(b);
      }
    });
    const snapshot = this.opts.holder.current;
    const own = snapshot.listeners.get(b.name) ?? b.config;
    const destination = destinationOf(socket, b.config, this.lookup);
    const target = own.useOriginalDst ? (listenerForDestination(snapshot, destination, own.name) ?? own) : own;
    this.opts.handler.handle({ socket, id, listener: target, destination, snapshot }).catch((err: unknown) => {
      this.log.error({ connection: id, listener: b.name, err }, 'connection pipeline failed');
      socket.destroy();
    });
  }
}
