import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { HEALTH_INFO_TYPE_URL } from './ads-events.js';
import { generateResources, type VersionedResource } from './generate.js';
import type { ProtoObject } from './protos.js';
import { parseNode, type ProxyInfo } from './proxy.js';
import type { PushRequest } from './push-request.js';
import { setVersion } from './resource-version.js';
import { refuseStream, streamPeerCertificate } from './stream-authorizer.js';
import type { StreamHost, XdsStream } from './stream-host.js';
import type { NackRecord, ProxySyncStatus, TypeSyncStatus } from './sync-status.js';
import { PUSH_ORDER, SHORT_TYPE, STATE_OF_THE_WORLD_FULL, TYPE_URL } from './type-urls.js';

interface DeltaTypeState {
  wildcard: boolean;
  subscribed: Set<string>;
  /** What the client holds: name → version (from initial_resource_versions, then what we sent). */
  known: Map<string, string>;
  /** Nonce → system version of responses not yet answered. */
  inflight: Map<string, string>;
  sentVersion: string;
  nonce: string;
  ackedVersion: string;
  ackedNonce: string;
  lastNack?: NackRecord;
  sentAt?: string;
  ackedAt?: string;
}

/**
 * One incremental ADS stream (DeltaAggregatedResources). Clients subscribe and unsubscribe
 * by name (`*` for wildcard; LDS and CDS start as wildcard when the first request names
 * nothing); responses carry only resources whose version the client does not hold, and
 * `removed_resources` for those that went away. On reconnect `initial_resource_versions`
 * seeds what the client holds, so only what changed is sent again.
 */
export class DeltaStream implements XdsStream {
  id = '';
  proxy: ProxyInfo | undefined;
  private readonly types = new Map<string, DeltaTypeState>();
  private nonceCounter = 0;
  private readonly connectedAt = new Date().toISOString();
  private closed = false;

  constructor(
    private readonly host: StreamHost,
    private readonly call: ServerDuplexStream<ProtoObject, ProtoObject>,
  ) {
    call.on('data', (req: ProtoObject) => this.onRequest(req));
    call.on('end', () => this.close());
    call.on('error', () => this.close());
    call.on('cancelled', () => this.close());
    this.checkAccess(undefined);
  }

  /** Asks the port's authorizer; a refusal ends the stream before anything is sent. */
  private checkAccess(proxy: ProxyInfo | undefined): boolean {
    const refusal = this.host.authorize?.({ peerCertificateDer: streamPeerCertificate(this.call), proxy });
    if (!refusal) return true;
    this.host.log.warn({ peer: this.call.getPeer(), node: proxy?.id, code: refusal.code, reason: refusal.details }, 'ADS stream refused');
    this.closed = true;
    refuseStream(this.call, refusal);
    return false;
  }

  private onRequest(req: ProtoObject): void {
    if (this.closed) return;
    if (!this.proxy) {
      if (!req.node) {
        this.call.emit('error', { code: GrpcStatus.INVALID_ARGUMENT, details: 'the first request of a stream must carry node' });
        return;
      }
      const proxy = parseNode(req.node as ProtoObject, this.host.pushContext().domainSuffix);
      if (!this.checkAccess(proxy)) return;
      this.proxy = proxy;
      this.id = this.host.connectionId(this.proxy);
      this.host.register(this);
      this.host.log.info({ conn: this.id, generator: this.proxy.generator, mode: 'delta' }, 'proxy connected');
    }
    const typeUrl = String(req.type_url ?? '');
    if (!typeUrl) return;
    if (typeUrl === HEALTH_INFO_TYPE_URL) return this.onHealth(req);
    const subscribe = (req.resource_names_subscribe as string[] | undefined) ?? [];
    const unsubscribe = (req.resource_names_unsubscribe as string[] | undefined) ?? [];
    let st = this.types.get(typeUrl);
    const first = st === undefined;
    if (!st) {
      const initial = (req.initial_resource_versions as Record<string, string> | undefined) ?? {};
      st = {
        wildcard: subscribe.length === 0 && STATE_OF_THE_WORLD_FULL.has(typeUrl),
        subscribed: new Set(),
        known: new Map(Object.entries(initial)),
        inflight: new Map(),
        sentVersion: '', nonce: '', ackedVersion: '', ackedNonce: '',
      };
      this.types.set(typeUrl, st);
    }
    const nonce = String(req.response_nonce ?? '');
    if (nonce !== '') {
      const version = st.inflight.get(nonce);
      st.inflight.delete(nonce);
      const err = req.error_detail as { code?: number; message?: string } | null | undefined;
      if (err && (err.message || err.code)) {
        st.lastNack = { nonce, rejectedVersion: version ?? '', clientVersion: '', code: err.code ?? 0, message: err.message ?? '', at: new Date().toISOString() };
        this.host.log.warn({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce, error: err.message }, 'NACK');
        this.host.nacked?.(this, typeUrl, st.lastNack);
      } else if (version !== undefined) {
        st.ackedVersion = version;
        st.ackedNonce = nonce;
        st.ackedAt = new Date().toISOString();
      }
    }
    const added: string[] = [];
    for (const name of subscribe) {
      if (name === '*') st.wildcard = true;
      else if (!st.subscribed.has(name)) {
        st.subscribed.add(name);
        added.push(name);
      }
    }
    for (const name of unsubscribe) {
      if (name === '*') st.wildcard = false;
      else {
        st.subscribed.delete(name);
        st.known.delete(name);
      }
    }
    // A pure ACK or NACK needs no answer; new subscriptions and the first request do.
    if (first || added.length > 0 || subscribe.includes('*')) this.respond(typeUrl, st, first, added);
  }

  private generate(typeUrl: string, st: DeltaTypeState): VersionedResource[] | undefined {
    const push = this.host.pushContext();
    const proxy = this.proxy!;
    const log = this.host.log;
    if (!st.wildcard) return st.subscribed.size === 0 ? [] : generateResources(log, push, proxy, typeUrl, [...st.subscribed]);
    const all = generateResources(log, push, proxy, typeUrl, undefined);
    if (!all) return undefined;
    const have = new Set(all.map((r) => r.name));
    const extra = [...st.subscribed].filter((n) => !have.has(n));
    if (extra.length === 0) return all;
    const more = generateResources(log, push, proxy, typeUrl, extra);
    return more ? [...all, ...more] : undefined;
  }

  private respond(typeUrl: string, st: DeltaTypeState, mustRespond: boolean, newlySubscribed: readonly string[]): void {
    if (!this.proxy || this.closed) return;
    const resources = this.generate(typeUrl, st);
    if (!resources) return;
    const current = new Map(resources.map((r) => [r.name, r]));
    const changed = resources.filter((r) => st.known.get(r.name) !== r.version);
    const removed = [...st.known.keys()].filter((n) => !current.has(n));
    // A name asked for that does not exist is reported as removed, so the client stops waiting.
    for (const n of newlySubscribed) if (!current.has(n) && !removed.includes(n)) removed.push(n);
    if (!mustRespond && changed.length === 0 && removed.length === 0) return;
    for (const r of changed) st.known.set(r.name, r.version);
    for (const n of removed) st.known.delete(n);
    const version = setVersion(resources);
    const nonce = String(++this.nonceCounter);
    st.sentVersion = version;
    st.nonce = nonce;
    st.sentAt = new Date().toISOString();
    st.inflight.set(nonce, version);
    this.call.write({
      system_version_info: version,
      resources: changed.map((r) => ({ name: r.name, version: r.version, resource: r.resource })),
      removed_resources: removed,
      type_url: typeUrl,
      nonce,
      control_plane: { identifier: 'plexus' },
    });
    this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce, changed: changed.length, removed: removed.length }, 'sent delta');
  }

  push(request: PushRequest): void {
    for (const typeUrl of PUSH_ORDER) {
      const st = this.types.get(typeUrl);
      if (!st) continue;
      if (request.full || typeUrl === TYPE_URL.endpoint) this.respond(typeUrl, st, false, []);
    }
  }

  /** Istio's health report: no error_detail means healthy. Never answered. */
  private onHealth(req: ProtoObject): void {
    const err = req.error_detail as { message?: string } | null | undefined;
    this.host.healthReported?.(this, { healthy: !err, message: err?.message ?? '' });
  }

  status(): ProxySyncStatus | undefined {
    if (!this.proxy) return undefined;
    const types: Record<string, TypeSyncStatus> = {};
    for (const [typeUrl, st] of this.types) {
      types[typeUrl] = {
        sentVersion: st.sentVersion, ackedVersion: st.ackedVersion, nonce: st.nonce, ackedNonce: st.ackedNonce,
        subscribed: [...(st.wildcard ? ['*'] : []), ...[...st.subscribed].sort()], lastNack: st.lastNack, sentAt: st.sentAt, ackedAt: st.ackedAt,
      };
    }
    return { connectionId: this.id, proxyId: this.proxy.id, namespace: this.proxy.namespace, generator: this.proxy.generator, userAgent: this.proxy.userAgent, mode: 'delta', connectedAt: this.connectedAt, types };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.proxy) {
      this.host.unregister(this);
      this.host.log.info({ conn: this.id }, 'proxy disconnected');
    }
    try {
      this.call.end();
    } catch {
      // The transport is already gone.
    }
  }
}
