import { Server, ServerCredentials, type ServerDuplexStream, type ServerInterceptor } from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import type { AdsObserver } from './ads-events.js';
import { DeltaStream } from './delta-stream.js';
import { adsServiceDefinition, protoRoot, type ProtoObject } from './protos.js';
import type { ProxyInfo } from './proxy.js';
import { buildPushContext, type PushContext } from './push-context.js';
import type { PushRequest } from './push-request.js';
import { SotwStream } from './sotw-stream.js';
import { registrationGuard } from './registration-guard.js';
import { DEFAULT_MAX_PENDING_STREAMS, DEFAULT_MAX_PLAINTEXT_STREAMS, StreamAdmission } from './stream-admission.js';
import type { StreamAuthorizer } from './stream-authorizer.js';
import type { StreamHost, XdsStream } from './stream-host.js';
import type { ProxySyncStatus } from './sync-status.js';
import { PLAINTEXT_XDS_SERVER_OPTIONS, XDS_SERVER_OPTIONS } from './xds-server-options.js';

/** Options of {@link AdsServer}. */
export interface AdsServerOptions {
  /** Logger; a pino logger at `PLEXUS_LOG_LEVEL` (default `info`) when omitted. */
  logger?: Logger;
  /** The first push context; an empty one when omitted. */
  pushContext?: PushContext;
  /** gRPC server interceptors of the main (plaintext) server: the CA's admission runs on call headers. */
  interceptors?: ServerInterceptor[];
  /** Concurrent ADS streams the main (plaintext) server holds; default {@link DEFAULT_MAX_PLAINTEXT_STREAMS}. */
  maxPlaintextStreams?: number;
  /** Of those, streams still waiting for their first request; default {@link DEFAULT_MAX_PENDING_STREAMS}. */
  maxPendingPlaintextStreams?: number;
}

/** What a stream proved about itself: the namespace and service account its client certificate names. */
export interface VerifiedIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Options of {@link AdsServer.createAuthorizedServer}. */
export interface AuthorizedServerOptions {
  /**
   * The authorizer binds each node to its client certificate (namespace and service account
   * checked against the certificate, as the mesh rule does), so streams it accepts carry a
   * verified identity and may register workloads and report their health. Default true.
   */
  verifiesIdentity?: boolean;
  /** gRPC server interceptors of this server (the CA's admission). */
  interceptors?: ServerInterceptor[];
}

/**
 * The aggregated discovery service (`envoy.service.discovery.v3.AggregatedDiscoveryService`)
 * on `@grpc/grpc-js`, with both the state-of-the-world and the delta stream. It serves
 * whatever push context was last committed with {@link AdsServer.push}, and keeps per-proxy,
 * per-type sync status for `/debug/syncz` and `proxy-status`.
 */
export class AdsServer {
  readonly log: Logger;
  private current: PushContext;
  private readonly streams = new Set<XdsStream>();
  private readonly server: Server;
  /** Streams on the plaintext server, which nobody authenticates: capped. */
  readonly plaintextStreams: StreamAdmission;
  /** Servers of further ports (15012) whose streams pass an authorizer; closed with the main one. */
  private readonly extraServers: Server[] = [];
  private readonly host: StreamHost;
  private connectionCounter = 0;
  private readonly bound = new Set<Server>();
  private readonly observers: AdsObserver[] = [];
  /** Streams that passed an identity-binding authorizer: only they register workloads and report health. */
  private readonly verified = new WeakSet<XdsStream>();
  private readonly warnedHealth = new WeakSet<XdsStream>();

  constructor(options: AdsServerOptions = {}) {
    this.log = options.logger ?? pino({ name: 'xds', level: process.env.PLEXUS_LOG_LEVEL ?? 'info' });
    this.plaintextStreams = new StreamAdmission(options.maxPlaintextStreams ?? DEFAULT_MAX_PLAINTEXT_STREAMS, this.log, options.maxPendingPlaintextStreams ?? DEFAULT_MAX_PENDING_STREAMS);
    this.server = new Server({ ...PLAINTEXT_XDS_SERVER_OPTIONS, interceptors: [this.plaintextStreams.interceptor, ...(options.interceptors ?? [])] });
    this.current = options.pushContext ?? buildPushContext({ resources: [] });
    protoRoot();
    this.host = {
      log: this.log,
      pushContext: () => this.current,
      register: (s) => {
        this.streams.add(s);
        this.notify((o) => o.connected?.(s));
      },
      unregister: (s) => {
        this.streams.delete(s);
        this.notify((o) => o.disconnected?.(s));
      },
      connectionId: (p: ProxyInfo) => `${p.id}-${++this.connectionCounter}`,
      nacked: (s, typeUrl, nack) => this.notify((o) => o.nacked?.(s, typeUrl, nack)),
      healthReported: (s, report) => {
        // As istiod: health only counts from a proxy whose identity was verified (15012).
        if (!this.verified.has(s)) {
          // Once per stream: a flood of reports must not become a flood of log lines.
          if (!this.warnedHealth.has(s)) this.log.warn({ conn: s.id, healthy: report.healthy }, 'health report ignored: it needs a verified identity (xDS over TLS with a mesh certificate)');
          this.warnedHealth.add(s);
          return;
        }
        this.notify((o) => o.health?.(s, report));
      },
    };
    // Plaintext (15010) serves public config only: a node that asks to register is refused.
    this.addAds(this.server, { ...this.host, authorize: registrationGuard({ verified: false, pushContext: () => this.current }) });
  }

  private addAds(server: Server, host: StreamHost): void {
    server.addService(this.countingDefinition(), {
      StreamAggregatedResources: (call: ServerDuplexStream<ProtoObject, ProtoObject>) => void new SotwStream(host, call),
      DeltaAggregatedResources: (call: ServerDuplexStream<ProtoObject, ProtoObject>) => void new DeltaStream(host, call),
    });
  }

  /**
   * Another gRPC server with the same ADS service and push state, for a port whose streams must
   * pass `authorize` (15012: a mesh client certificate, bound to the node it speaks for). Add
   * other services (the CA) to it, then bind it with {@link listen}.
   */
  createAuthorizedServer(authorize: StreamAuthorizer, options: AuthorizedServerOptions = {}): Server {
    const server = new Server({ ...XDS_SERVER_OPTIONS, interceptors: options.interceptors ?? [] });
    const verifies = options.verifiesIdentity ?? true;
    this.addAds(server, {
      ...this.host,
      authorize: registrationGuard({ authorize, verified: verifies, pushContext: () => this.current }),
      verifiesIdentity: verifies,
      register: (s) => {
        if (verifies) this.verified.add(s);
        this.host.register(s);
      },
    });
    this.extraServers.push(server);
    return server;
  }

  /**
   * The identity a stream proved (its client certificate, checked against the node by the
   * port's authorizer), or undefined for plaintext streams and ports that do not bind identity.
   */
  verifiedIdentity(stream: XdsStream): VerifiedIdentity | undefined {
    if (!this.verified.has(stream) || !stream.proxy) return undefined;
    return { namespace: stream.proxy.namespace, serviceAccount: stream.proxy.serviceAccount };
  }

  /** Adds an observer of connections, responses, NACKs and health reports. */
  observe(observer: AdsObserver): void {
    this.observers.push(observer);
  }

  private notify(fn: (o: AdsObserver) => void): void {
    for (const o of this.observers) {
      try {
        fn(o);
      } catch (err) {
        this.log.error({ err }, 'ADS observer failed');
      }
    }
  }

  /** The ADS definition with response serializers that report each response's type and size. */
  private countingDefinition(): ReturnType<typeof adsServiceDefinition> {
    const def = adsServiceDefinition();
    for (const method of Object.values(def)) {
      const serialize = method.responseSerialize as (v: ProtoObject) => Buffer;
      method.responseSerialize = (v: ProtoObject): Buffer => {
        const bytes = serialize(v);
        if (this.observers.length > 0) this.notify((o) => o.responseSent?.(String(v.type_url ?? ''), bytes.length));
        return bytes;
      };
    }
    return def;
  }

  /**
   * The underlying gRPC server, so that other services (the CA's IstioCertificateService)
   * share the xDS ports as they do in istiod. Add services before {@link listen}.
   */
  get grpcServer(): Server {
    return this.server;
  }

  /** Live streams whose proxy has identified itself. */
  connections(): XdsStream[] {
    return [...this.streams];
  }

  /**
   * Binds the main server, or one made by {@link createAuthorizedServer} (`127.0.0.1:0` picks a
   * free port), and resolves to the bound port.
   */
  listen(address: string, credentials: ServerCredentials = ServerCredentials.createInsecure(), server: Server = this.server): Promise<number> {
    return new Promise((resolve, reject) => {
      server.bindAsync(address, credentials, (err, port) => {
        if (err) return reject(err);
        this.bound.add(server);
        this.log.info({ address, port, tls: credentials._isSecure() }, 'ADS listening');
        resolve(port);
      });
    });
  }

  /** The push context being served. */
  pushContext(): PushContext {
    return this.current;
  }

  /**
   * Commits a new push context and sends every connected proxy what changed: all types on a
   * full push, endpoints only otherwise.
   */
  push(next: PushContext, request: PushRequest): void {
    this.current = next;
    this.log.debug({ version: next.version, full: request.full, configs: [...request.configsUpdated], proxies: this.streams.size }, 'push');
    for (const s of this.streams) {
      s.push(request);
      if (this.observers.length > 0) this.notify((o) => o.pushed?.(s, Date.now() - request.start, request.full));
    }
  }

  /** Per-proxy sync status: one entry per live stream. */
  status(): ProxySyncStatus[] {
    const out: ProxySyncStatus[] = [];
    for (const s of this.streams) {
      const st = s.status();
      if (st) out.push(st);
    }
    return out.sort((a, b) => a.connectionId.localeCompare(b.connectionId));
  }

  /** Ends every stream and stops the server (forcefully after `graceMs`). */
  async close(graceMs = 1000): Promise<void> {
    for (const s of [...this.streams]) s.close();
    await Promise.all([this.server, ...this.extraServers].filter((s) => this.bound.has(s)).map((server) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    })));
    this.bound.clear();
  }
}
