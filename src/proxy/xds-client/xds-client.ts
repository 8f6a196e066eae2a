import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import type { ProxySnapshot } from '../config/model.js';
import type { SnapshotHolder } from '../config/snapshot-holder.js';
import { AdsTransport, type AdsCall, type AdsServerAddress } from './ads-transport.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { InvalidResourceError } from './invalid-resource.js';
import type { LocalSecretProvider } from './local-secret-provider.js';
import { buildNode, nodeId, type NodeIdentity } from './node-identity.js';
import { proxyProtoRoot, type ProtoJson, type WireAny } from './proto-root.js';
import type { FileReader } from './proto-values.js';
import { isWildcardType, isXdsTypeUrl, SHORT_NAME, SUBSCRIBE_ORDER, XDS_TYPE, type XdsTypeUrl } from './resource-types.js';
import { assembleSnapshot, referencesOf, type AcceptedState } from './snapshot-assembly.js';
import { translateResource, type TranslatedResource } from './translate-resource.js';
import type { ConnectionState, NackInfo, ResourceDump, TypeStatus, XdsClientStatus } from './xds-client-status.js';

/** google.rpc.Code INVALID_ARGUMENT, what Envoy puts in a NACK's error_detail. */
const INVALID_ARGUMENT = 3;
/** Envoy truncates long NACK messages too; a huge error_detail helps nobody. */
const MAX_NACK_MESSAGE = 4096;

/** Options of {@link XdsClient}. */
export interface XdsClientOptions extends AdsServerAddress {
  readonly node: NodeIdentity;
  /** Where accepted snapshots go. */
  readonly holder: SnapshotHolder;
  /** State of the world (default, as Envoy) or incremental. */
  readonly mode?: 'sotw' | 'delta';
  /** Secrets the agent supplies itself (`default`, `ROOTCA`); SDS is not asked for them. */
  readonly localSecrets?: LocalSecretProvider;
  readonly backoff?: BackoffOptions;
  /**
   * How long a snapshot may wait for what it references before it is published anyway, with
   * missing endpoints and routes empty (Envoy's initial_fetch_timeout, 15 s by default).
   */
  readonly initialFetchTimeoutMs?: number;
  readonly logger?: Logger;
  /** Reads certificate files named in TLS contexts (default: the file system). */
  readonly readFile?: FileReader;
}

/** Events of {@link XdsClient}. */
export interface XdsClientEvents {
  state: [state: ConnectionState];
  ack: [typeUrl: string, version: string];
  nack: [nack: NackInfo];
  snapshot: [snapshot: ProxySnapshot];
}

interface TypeState {
  readonly typeUrl: XdsTypeUrl;
  resources: Map<string, TranslatedResource>;
  /** Subscribed names the server said do not exist (Delta). */
  absent: Set<string>;
  /** Names wanted; undefined for wildcard (LDS, CDS). */
  names: Set<string> | undefined;
  /** Last accepted version_info / system_version_info. */
  version: string;
  /** Nonce of the last response on the current stream. */
  nonce: string;
  /** Whether this type has been requested on the current stream, and with which names. */
  requested: boolean;
  sentNames: Set<string>;
  received: boolean;
  lastUpdated?: string;
  lastNack?: NackInfo;
}

function sameSet(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * The proxy's xDS client: one ADS stream to the controller (SotW or Delta), Envoy's
 * subscription order (CDS, then EDS for EDS clusters; LDS, then RDS for the routes listeners
 * name; SDS for secrets TLS contexts name unless the agent supplies them), translation and
 * validation of every resource into the model, ACK/NACK, warming (a snapshot is published
 * only when what it references has arrived), and reconnection with backoff while the last
 * snapshot keeps serving.
 */
export class XdsClient extends EventEmitter<XdsClientEvents> {
  readonly log: Logger;
  private readonly mode: 'sotw' | 'delta';
  private transport: AdsTransport;
  private readonly node: ProtoJson;
  private readonly id: string;
  private readonly backoff: Backoff;
  private readonly readFile: FileReader;
  private readonly initialFetchTimeoutMs: number;
  private readonly types = new Map<XdsTypeUrl, TypeState>();
  private call: AdsCall | undefined;
  private state: ConnectionState = 'idle';
  private closed = false;
  private nodeSent = false;
  private streamAnswered = false;
  private streams = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private warmingTimer: NodeJS.Timeout | undefined;
  private warmingExpired = false;
  private dirty = false;
  private initialized = false;
  private connectedSince: string | undefined;
  private lastError: string | undefined;
  private lastNack: NackInfo | undefined;
  private lastPublished: string | undefined;
  private warming: XdsClientStatus['warming'] = { eds: [], rds: [], secrets: [] };
  /** Secrets a warming already timed out on; TLS on them fails until they arrive. */
  private readonly secretsGivenUp = new Set<string>();
  private readonly unsubscribeLocal: (() => void) | undefined;
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly options: XdsClientOptions) {
    super();
    this.log = options.logger ?? pino({ name: 'xds-client', level: process.env.PLEXUS_LOG_LEVEL ?? 'info' });
    this.mode = options.mode ?? 'sotw';
    this.node = buildNode(options.node);
    this.id = nodeId(options.node);
    this.backoff = new Backoff(options.backoff);
    this.readFile = options.readFile ?? ((path) => readFileSync(path, 'utf8'));
    this.initialFetchTimeoutMs = options.initialFetchTimeoutMs ?? 15_000;
    for (const typeUrl of SUBSCRIBE_ORDER) {
      this.types.set(typeUrl, {
        typeUrl, resources: new Map(), absent: new Set(), names: isWildcardType(typeUrl) ? undefined : new Set(),
        version: '', nonce: '', requested: false, sentNames: new Set(), received: false,
      });
    }
    proxyProtoRoot();
    this.transport = new AdsTransport(options);
    this.unsubscribeLocal = options.localSecrets?.onChange(() => {
      this.dirty = true;
      this.tryPublish();
    });
  }

  /** Opens the ADS stream; reconnects on its own until {@link close}. */
  start(): void {
    if (this.closed || this.call || this.reconnectTimer) return;
    this.connect();
  }

  /** Resolves once the first snapshot has been published. */
  ready(): Promise<void> {
    if (this.initialized) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Moves the ADS connection to new TLS credentials (a renewed workload certificate, a changed
   * trust bundle): a new channel, and a stream already open (or waiting to reconnect) is
   * re-opened on it at once. The holder keeps serving the last snapshot meanwhile, and the new
   * stream asks with the versions held, so config carries over; failures go through the usual
   * backoff.
   */
  updateTls(tls: NonNullable<AdsServerAddress['tls']>): void {
    if (this.closed) return;
    const previous = this.transport;
    this.transport = new AdsTransport({ address: this.options.address, tls });
    const active = this.call !== undefined || this.reconnectTimer !== undefined;
    const call = this.call;
    this.call = undefined;
    try {
      call?.cancel();
    } catch {
      // Already gone.
    }
    previous.close();
    if (!active) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.log.info({ server: this.options.address }, 'xDS client certificate changed: reconnecting with it');
    this.connect();
  }

  /** Ends the stream and stops reconnecting; the holder keeps the last snapshot. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.warmingTimer);
    this.unsubscribeLocal?.();
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.transport.close();
    this.setState('closed');
  }

  // ------------------------------------------------------------------ stream lifecycle

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    this.setState('connecting');
    if (this.streams > 0) this.log.info({ attempt: this.backoff.attempts, server: this.options.address }, 'reconnecting to xDS server');
    this.streams++;
    const call = this.transport.open(this.mode);
    this.call = call;
    this.nodeSent = false;
    this.streamAnswered = false;
    for (const st of this.types.values()) {
      st.requested = false;
      st.nonce = '';
      st.sentNames = new Set();
    }
    call.on('metadata', () => {
      if (this.call === call) this.markConnected();
    });
    call.on('data', (msg: ProtoJson) => {
      if (this.call !== call) return;
      this.markConnected();
      try {
        if (this.mode === 'delta') this.onDeltaResponse(msg);
        else this.onSotwResponse(msg);
      } catch (err) {
        // A bug here must not take the proxy down; the stream restarts and resyncs.
        this.log.error({ err }, 'xDS response handling failed');
        this.streamEnded(err as Error);
      }
    });
    call.on('error', (err: Error) => {
      if (this.call === call) this.streamEnded(err);
    });
    call.on('end', () => {
      if (this.call === call) this.streamEnded(undefined);
    });
    // Envoy's order: clusters first; listeners once the first cluster response is in.
    this.sendInitial(this.type(XDS_TYPE.cluster));
    this.syncRequest(this.type(XDS_TYPE.endpoint));
    this.syncRequest(this.type(XDS_TYPE.secret));
  }

  private markConnected(): void {
    if (this.state === 'connected') return;
    this.connectedSince = new Date().toISOString();
    this.setState('connected');
  }

  private streamEnded(err: Error | undefined): void {
    const call = this.call;
    this.call = undefined;
    try {
      call?.cancel();
    } catch {
      // Already gone.
    }
    if (this.closed) return;
    this.lastError = err?.message ?? 'stream closed by server';
    // A stream that delivered something counts as success: start the backoff afresh.
    if (this.streamAnswered) this.backoff.reset();
    const delay = this.backoff.next();
    this.connectedSince = undefined;
    this.setState('backoff');
    this.log.warn({ err: this.lastError, delayMs: delay }, 'xDS stream ended; serving the last snapshot until it is back');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private type(typeUrl: XdsTypeUrl): TypeState {
    return this.types.get(typeUrl)!;
  }

  private write(req: ProtoJson): void {
    if (!this.call) return;
    if (!this.nodeSent) {
      req = { node: this.node, ...req };
      this.nodeSent = true;
    }
    this.call.write(req);
  }

  // ------------------------------------------------------------------ requests

  /** Names to request, in a stable order. */
  private wanted(st: TypeState): string[] {
    return st.names === undefined ? [] : [...st.names].sort();
  }

  /** First request of a type on this stream; carries what is held so a reconnect resends little. */
  private sendInitial(st: TypeState): void {
    if (!this.call) return;
    st.requested = true;
    st.sentNames = new Set(st.names ?? []);
    if (this.mode === 'delta') {
      const held: Record<string, string> = {};
      for (const r of st.resources.values()) if (r.version !== '') held[r.name] = r.version;
      this.write({ type_url: st.typeUrl, resource_names_subscribe: this.wanted(st), initial_resource_versions: held });
    } else {
      this.write({ type_url: st.typeUrl, version_info: st.version, resource_names: this.wanted(st), response_nonce: '' });
    }
    this.log.debug({ type: SHORT_NAME[st.typeUrl], names: st.names === undefined ? '*' : st.names.size }, 'subscribed');
  }

  /** Brings the server's view of a non-wildcard subscription in line with what is wanted. */
  private syncRequest(st: TypeState): void {
    if (!this.call || st.names === undefined) return;
    // EDS and SDS follow CDS; RDS follows LDS.
    const gate = st.typeUrl === XDS_TYPE.route ? XDS_TYPE.listener : XDS_TYPE.cluster;
    if (!this.type(gate).requested) return;
    if (!st.requested) {
      if (st.names.size > 0) this.sendInitial(st);
      return;
    }
    if (sameSet(st.sentNames, st.names)) return;
    if (this.mode === 'delta') {
      const subscribe = [...st.names].filter((n) => !st.sentNames.has(n)).sort();
      const unsubscribe = [...st.sentNames].filter((n) => !st.names!.has(n)).sort();
      this.write({ type_url: st.typeUrl, resource_names_subscribe: subscribe, resource_names_unsubscribe: unsubscribe });
    } else {
      this.write({ type_url: st.typeUrl, version_info: st.version, resource_names: this.wanted(st), response_nonce: st.nonce });
    }
    st.sentNames = new Set(st.names);
  }

  private ack(st: TypeState): void {
    if (this.mode === 'delta') {
      this.write({ type_url: st.typeUrl, response_nonce: st.nonce });
      return;
    }
    // A SotW ACK restates the subscription, so it also carries any change of names.
    this.write({ type_url: st.typeUrl, version_info: st.version, resource_names: this.wanted(st), response_nonce: st.nonce });
    st.sentNames = new Set(st.names ?? []);
  }

  private nack(st: TypeState, rejectedVersion: string, errors: readonly string[]): void {
    let message = errors.join('; ');
    if (message.length > MAX_NACK_MESSAGE) message = `${message.slice(0, MAX_NACK_MESSAGE)}…`;
    const error_detail = { code: INVALID_ARGUMENT, message };
    if (this.mode === 'delta') {
      this.write({ type_url: st.typeUrl, response_nonce: st.nonce, error_detail });
    } else {
      this.write({ type_url: st.typeUrl, version_info: st.version, resource_names: this.wanted(st), response_nonce: st.nonce, error_detail });
      st.sentNames = new Set(st.names ?? []);
    }
    const nack: NackInfo = { typeUrl: st.typeUrl, nonce: st.nonce, rejectedVersion, message, at: new Date().toISOString() };
    st.lastNack = nack;
    this.lastNack = nack;
    this.log.warn({ type: SHORT_NAME[st.typeUrl], version: rejectedVersion, nonce: st.nonce, error: message }, 'NACK: config rejected, keeping the last good snapshot');
    this.emit('nack', nack);
  }

  // ------------------------------------------------------------------ responses

  /** Translates every resource of a response; any failure rejects them all. */
  private translateAll(st: TypeState, items: Array<{ any: WireAny; version: string; name?: string }>): { ok: TranslatedResource[]; errors: string[] } {
    const ok: TranslatedResource[] = [];
    const errors: string[] = [];
    const seen = new Set<string>();
    items.forEach((item, i) => {
      try {
        const r = translateResource(st.typeUrl, item.any, item.version, i, this.readFile, item.name);
        if (seen.has(r.name)) throw new InvalidResourceError(`${SHORT_NAME[st.typeUrl]} resource "${r.name}"`, '', 'appears twice in one response');
        seen.add(r.name);
        ok.push(r);
      } catch (err) {
        errors.push(err instanceof InvalidResourceError ? err.message : `${SHORT_NAME[st.typeUrl]} resource #${i}: ${(err as Error).message}`);
      }
    });
    return { ok, errors };
  }

  private typeOf(msg: ProtoJson): TypeState | undefined {
    const typeUrl = String(msg.type_url ?? '');
    if (!isXdsTypeUrl(typeUrl)) {
      this.log.warn({ typeUrl }, 'response of a type the proxy did not subscribe to; ignored');
      return undefined;
    }
    return this.type(typeUrl);
  }

  private onSotwResponse(msg: ProtoJson): void {
    const st = this.typeOf(msg);
    if (!st) return;
    this.streamAnswered = true;
    st.nonce = String(msg.nonce ?? '');
    const version = String(msg.version_info ?? '');
    const items = ((msg.resources as WireAny[] | undefined) ?? []).map((any) => ({ any, version }));
    const { ok, errors } = this.translateAll(st, items);
    if (errors.length > 0) {
      this.nack(st, version, errors);
    } else {
      let next: Map<string, TranslatedResource>;
      if (st.names === undefined) {
        next = new Map(ok.map((r) => [r.name, r]));
      } else {
        // Non-wildcard types: a resource left out of a response is not deleted.
        next = new Map([...st.resources].filter(([n]) => st.names!.has(n)));
        for (const r of ok) if (st.names.has(r.name)) next.set(r.name, r);
      }
      this.accept(st, next, version);
    }
    this.afterResponse(st);
  }

  private onDeltaResponse(msg: ProtoJson): void {
    const st = this.typeOf(msg);
    if (!st) return;
    this.streamAnswered = true;
    st.nonce = String(msg.nonce ?? '');
    const version = String(msg.system_version_info ?? '') || st.nonce;
    const items = ((msg.resources as ProtoJson[] | undefined) ?? [])
      .filter((r) => r.resource)
      .map((r) => ({ any: r.resource as WireAny, version: String(r.version ?? ''), name: String(r.name ?? '') }));
    const { ok, errors } = this.translateAll(st, items);
    if (errors.length > 0) {
      this.nack(st, version, errors);
    } else {
      const next = new Map(st.resources);
      for (const r of ok) {
        if (st.names !== undefined && !st.names.has(r.name)) continue;
        next.set(r.name, r);
        st.absent.delete(r.name);
      }
      for (const name of (msg.removed_resources as string[] | undefined) ?? []) {
        next.delete(name);
        if (st.names?.has(name)) st.absent.add(name);
      }
      this.accept(st, next, version);
    }
    this.afterResponse(st);
  }

  private accept(st: TypeState, next: Map<string, TranslatedResource>, version: string): void {
    st.resources = next;
    st.version = version;
    st.received = true;
    st.lastUpdated = new Date().toISOString();
    this.dirty = true;
    this.ack(st);
    this.log.debug({ type: SHORT_NAME[st.typeUrl], version, count: next.size }, 'ACK');
    this.emit('ack', st.typeUrl, version);
  }

  private afterResponse(st: TypeState): void {
    this.syncSubscriptions();
    if (st.typeUrl === XDS_TYPE.cluster) {
      const lds = this.type(XDS_TYPE.listener);
      if (!lds.requested) {
        this.sendInitial(lds);
        this.syncRequest(this.type(XDS_TYPE.route));
      }
    }
    this.tryPublish();
  }

  /** Re-derives the EDS, RDS and SDS names from the accepted clusters and listeners. */
  private syncSubscriptions(): void {
    const refs = referencesOf(this.acceptedState(), this.options.localSecrets);
    this.setNames(this.type(XDS_TYPE.endpoint), refs.eds);
    this.setNames(this.type(XDS_TYPE.route), refs.rds);
    this.setNames(this.type(XDS_TYPE.secret), refs.sds);
  }

  private setNames(st: TypeState, names: ReadonlySet<string>): void {
    if (!sameSet(st.names, names)) {
      st.names = new Set(names);
      // What is no longer referenced is dropped, as Envoy does on unsubscribe.
      for (const n of [...st.resources.keys()]) if (!names.has(n)) st.resources.delete(n);
      for (const n of [...st.absent]) if (!names.has(n)) st.absent.delete(n);
      this.dirty = true;
    }
    this.syncRequest(st);
  }

  // ------------------------------------------------------------------ publishing

  private acceptedState(): AcceptedState {
    const res = <T extends XdsTypeUrl>(t: T) => this.type(t).resources as unknown as ReadonlyMap<string, TranslatedResource<T>>;
    const versions: Record<string, string> = {};
    for (const st of this.types.values()) if (st.received) versions[st.typeUrl] = st.version;
    return {
      listeners: res(XDS_TYPE.listener),
      routes: res(XDS_TYPE.route),
      clusters: res(XDS_TYPE.cluster),
      endpoints: res(XDS_TYPE.endpoint),
      secrets: res(XDS_TYPE.secret),
      absent: new Map([...this.types].map(([t, st]) => [t, st.absent])),
      versions,
    };
  }

  /**
   * Publishes the accepted state when nothing it references is missing (and both CDS and LDS
   * have answered at least once). Otherwise it waits, at most the initial fetch timeout.
   */
  private tryPublish(): void {
    if (this.closed || !this.dirty) return;
    const assembly = assembleSnapshot(this.acceptedState(), this.options.localSecrets, this.warmingExpired);
    this.warming = assembly.missing;
    const started = this.type(XDS_TYPE.cluster).received && this.type(XDS_TYPE.listener).received;
    // A secret already waited for once (Envoy: its SDS init target is done) does not hold later snapshots back.
    // So does one the server said does not exist (Delta `removed_resources`): Envoy's SDS init completes on it too.
    const absentSecrets = this.type(XDS_TYPE.secret).absent;
    const complete = assembly.complete || (assembly.missing.eds.length + assembly.missing.rds.length === 0 && assembly.missing.secrets.every((n) => this.secretsGivenUp.has(n) || absentSecrets.has(n)));
    if (!(complete && started) && !this.warmingExpired) {
      if (!this.warmingTimer) {
        this.log.debug({ missing: assembly.missing }, 'warming');
        this.warmingTimer = setTimeout(() => {
          this.warmingTimer = undefined;
          this.warmingExpired = true;
          for (const n of this.warming.secrets) this.secretsGivenUp.add(n);
          this.log.warn({ missing: this.warming }, 'warming timed out; publishing without what is missing');
          this.tryPublish();
        }, this.initialFetchTimeoutMs);
        this.warmingTimer.unref();
      }
      return;
    }
    clearTimeout(this.warmingTimer);
    this.warmingTimer = undefined;
    this.warmingExpired = false;
    this.dirty = false;
    this.options.holder.replace(assembly.snapshot);
    this.lastPublished = new Date().toISOString();
    const s = assembly.snapshot;
    this.log.info({ listeners: s.listeners.size, routes: s.routes.size, clusters: s.clusters.size, endpoints: s.endpoints.size, secrets: s.secrets.size }, 'snapshot published');
    this.emit('snapshot', s);
    if (!this.initialized) {
      this.initialized = true;
      for (const w of this.readyWaiters.splice(0)) w();
    }
  }

  // ------------------------------------------------------------------ status

  /** Connection, versions, subscriptions, warming and the last NACK. */
  status(): XdsClientStatus {
    const types: Record<string, TypeStatus> = {};
    for (const st of this.types.values()) {
      types[st.typeUrl] = {
        version: st.version,
        nonce: st.nonce,
        subscribed: st.names === undefined ? ['*'] : [...st.names].sort(),
        resourceCount: st.resources.size,
        ...(st.lastUpdated ? { lastUpdated: st.lastUpdated } : {}),
        ...(st.lastNack ? { lastNack: st.lastNack } : {}),
      };
    }
    return {
      server: this.options.address,
      mode: this.mode,
      nodeId: this.id,
      state: this.state,
      ...(this.connectedSince ? { connectedSince: this.connectedSince } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      reconnects: Math.max(0, this.streams - 1),
      initialized: this.initialized,
      ...(this.lastPublished ? { lastPublished: this.lastPublished } : {}),
      types,
      ...(this.lastNack ? { lastNack: this.lastNack } : {}),
      warming: this.warming,
    };
  }

  /** The last accepted raw resources per type URL, for /config_dump. */
  resources(): ResourceDump {
    const out: Record<string, { version: string; resources: Array<{ name: string; version: string; lastUpdated: string; resource: ProtoJson }> }> = {};
    for (const st of this.types.values()) {
      out[st.typeUrl] = {
        version: st.version,
        resources: [...st.resources.values()].sort((a, b) => a.name.localeCompare(b.name)).map((r) => ({ name: r.name, version: r.version, lastUpdated: r.lastUpdated, resource: r.raw })),
      };
    }
    return out;
  }
}
