import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { HEALTH_INFO_TYPE_URL } from './ads-events.js';
import { generateResources } from './generate.js';
import type { ProtoObject } from './protos.js';
import { parseNode, type ProxyInfo } from './proxy.js';
import type { PushRequest } from './push-request.js';
import { setVersion } from './resource-version.js';
import { refuseStream, streamPeerCertificate } from './stream-authorizer.js';
import type { StreamHost, XdsStream } from './stream-host.js';
import type { NackRecord, ProxySyncStatus, TypeSyncStatus } from './sync-status.js';
import { PUSH_ORDER, SHORT_TYPE, STATE_OF_THE_WORLD_FULL, TYPE_URL } from './type-urls.js';

interface SotwTypeState {
  /** Requested names; undefined = wildcard. */
  names: readonly string[] | undefined;
  sentVersion: string;
  sentNames: string;
  nonce: string;
  ackedVersion: string;
  ackedNonce: string;
  lastNack?: NackRecord;
  sentAt?: string;
  ackedAt?: string;
}

function namesKey(names: readonly string[] | undefined): string {
  return names === undefined ? '*' : [...names].sort().join('\n');
}

/**
 * One state-of-the-world ADS stream (StreamAggregatedResources). Every response carries the
 * full set for its type; nonces tie ACKs and NACKs to responses. A NACK is recorded and
 * not answered: the same config would only be rejected again. A request whose names
 * changed is always answered, even when the version did not move.
 */
export class SotwStream implements XdsStream {
  id = '';
  proxy: ProxyInfo | undefined;
  private readonly types = new Map<string, SotwTypeState>();
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
    const typeUrl = String(req.type_url ?? '');
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
      this.host.log.info({ conn: this.id, generator: this.proxy.generator, mode: 'sotw' }, 'proxy connected');
    }
    if (!typeUrl) return;
    if (typeUrl === HEALTH_INFO_TYPE_URL) return this.onHealth(req);
    const requested = (req.resource_names as string[] | undefined) ?? [];
    // Empty names mean "everything" only for LDS and CDS; `*` is an explicit wildcard.
    const names = requested.includes('*') || (requested.length === 0 && STATE_OF_THE_WORLD_FULL.has(typeUrl)) ? undefined : requested;
    const nonce = String(req.response_nonce ?? '');
    let st = this.types.get(typeUrl);
    if (nonce !== '' && st) {
      if (nonce !== st.nonce) {
        // A reply to an older response; the one to the latest will follow.
        this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce }, 'stale nonce ignored');
        return;
      }
      const err = req.error_detail as { code?: number; message?: string } | null | undefined;
      if (err && (err.message || err.code)) {
        st.lastNack = { nonce, rejectedVersion: st.sentVersion, clientVersion: String(req.version_info ?? ''), code: err.code ?? 0, message: err.message ?? '', at: new Date().toISOString() };
        st.names = names;
        this.host.log.warn({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce, error: err.message }, 'NACK');
        this.host.nacked?.(this, typeUrl, st.lastNack);
        return;
      }
      st.ackedVersion = String(req.version_info ?? '');
      st.ackedNonce = nonce;
      st.ackedAt = new Date().toISOString();
      if (namesKey(names) === st.sentNames) return;
      st.names = names;
      this.send(typeUrl, st, true);
      return;
    }
    // First request for this type on this stream (a reconnect may carry an old version).
    st ??= { names, sentVersion: '', sentNames: '', nonce: '', ackedVersion: String(req.version_info ?? ''), ackedNonce: '' };
    st.names = names;
    this.types.set(typeUrl, st);
    this.send(typeUrl, st, true);
  }

  private send(typeUrl: string, st: SotwTypeState, force: boolean): void {
    if (!this.proxy || this.closed) return;
    // An empty RDS/EDS subscription asks for nothing.
    if (st.names !== undefined && st.names.length === 0 && !force) return;
    const push = this.host.pushContext();
    const resources = st.names !== undefined && st.names.length === 0 ? [] : generateResources(this.host.log, push, this.proxy, typeUrl, st.names);
    if (!resources) return;
    const version = setVersion(resources);
    const key = namesKey(st.names);
    if (!force && version === st.sentVersion && key === st.sentNames) return;
    const nonce = String(++this.nonceCounter);
    st.sentVersion = version;
    st.sentNames = key;
    st.nonce = nonce;
    st.sentAt = new Date().toISOString();
    this.call.write({
      version_info: version,
      resources: resources.map((r) => r.resource),
      type_url: typeUrl,
      nonce,
      control_plane: { identifier: 'plexus' },
    });
    this.host.log.debug({ conn: this.id, type: SHORT_TYPE[typeUrl], version, nonce, count: resources.length }, 'sent');
  }

  push(request: PushRequest): void {
    for (const typeUrl of PUSH_ORDER) {
      const st = this.types.get(typeUrl);
      if (!st) continue;
      if (request.full || typeUrl === TYPE_URL.endpoint) this.send(typeUrl, st, false);
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
        subscribed: st.names === undefined ? ['*'] : [...st.names], lastNack: st.lastNack, sentAt: st.sentAt, ackedAt: st.ackedAt,
      };
    }
    return { connectionId: this.id, proxyId: this.proxy.id, namespace: this.proxy.namespace, generator: this.proxy.generator, userAgent: this.proxy.userAgent, mode: 'sotw', connectedAt: this.connectedAt, types };
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
