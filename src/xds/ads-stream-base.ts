import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { HEALTH_INFO_TYPE_URL } from './ads-events.js';
import type { ProtoObject } from './protos.js';
import { markVerified, parseNode, type ProxyInfo } from './proxy.js';
import { secretOnlyNamespaces, type PushRequest } from './push-request.js';
import { refuseStream, streamPeerCertificate } from './stream-authorizer.js';
import type { StreamHost, XdsStream } from './stream-host.js';
import type { NackRecord, ProxySyncStatus, TypeSyncStatus } from './sync-status.js';
import { PUSH_ORDER, SHORT_TYPE, TYPE_URL } from './type-urls.js';

/** What both protocols track per type URL on one stream; each adds its subscription state. */
export interface AdsTypeState {
  sentVersion: string;
  nonce: string;
  ackedVersion: string;
  ackedNonce: string;
  lastNack?: NackRecord;
  sentAt?: string;
  ackedAt?: string;
}

/** A request's `error_detail` when it says something, i.e. when the request is a NACK. */
export interface NackDetail {
  code?: number;
  message?: string;
}

/**
 * What a SotW and a delta ADS stream share: wiring of the call's events, the authorizer,
 * identifying the proxy from the first request, health reports, ACK/NACK/send bookkeeping,
 * push fan-out in PUSH_ORDER, status and close. Subclasses handle one type's request and
 * answer pushes the way their protocol does.
 */
export abstract class AdsStreamBase<S extends AdsTypeState> implements XdsStream {
  id = '';
  proxy: ProxyInfo | undefined;
  protected readonly types = new Map<string, S>();
  protected closed = false;
  private nonceCounter = 0;
  private readonly connectedAt = new Date().toISOString();

  constructor(
    protected readonly host: StreamHost,
    protected readonly call: ServerDuplexStream<ProtoObject, ProtoObject>,
    private readonly mode: ProxySyncStatus['mode'],
  ) {
    call.on('data', (req: ProtoObject) => this.onRequest(req));
    call.on('end', () => this.close());
    call.on('error', () => this.close());
    call.on('cancelled', () => this.close());
    this.checkAccess(undefined);
  }

  /** Handles a request for one (non-health) type once the proxy is known. */
  protected abstract onTypeRequest(typeUrl: string, req: ProtoObject): void;

  /** Answers a push for a type the client has asked for. */
  protected abstract pushType(typeUrl: string, st: S): void;

  /** The type's subscription as status shows it (`*` for wildcard). */
  protected abstract subscribedNames(st: S): string[];

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
    if (!this.proxy && !this.identify(req)) return;
    const typeUrl = String(req.type_url ?? '');
    if (!typeUrl) return;
    if (typeUrl === HEALTH_INFO_TYPE_URL) return this.onHealth(req);
    this.onTypeRequest(typeUrl, req);
  }

  /** The first request must carry the node; the stream registers once the authorizer accepts it. */
  private identify(req: ProtoObject): boolean {
    if (!req.node) {
      this.call.emit('error', { code: GrpcStatus.INVALID_ARGUMENT, details: 'the first request of a stream must carry node' });
      return false;
    }
    const proxy = parseNode(req.node as ProtoObject, this.host.pushContext().domainSuffix);
    if (!this.checkAccess(proxy)) return false;
    this.proxy = this.host.verifiesIdentity ? markVerified(proxy) : proxy;
    this.id = this.host.connectionId(this.proxy);
    this.host.register(this);
    this.host.log.info({ conn: this.id, generator: this.proxy.generator, mode: this.mode }, 'proxy connected');
    return true;
  }

  /** Istio's health report: no error_detail means healthy. Never answered. */
  private onHealth(req: ProtoObject): void {
    const err = req.error_detail as { message?: string } | null | undefined;
    this.host.healthReported?.(this, { healthy: !err, message: err?.message ?? '' });
  }

  /** The request's error detail if it is a NACK, else undefined. */
  protected nackDetail(req: ProtoObject): NackDetail | undefined {
    const err = req.error_detail as NackDetail | null | undefined;
    return err && (err.message || err.code) ? err : undefined;
  }

  /** Records a NACK of the response `nonce`, logs it and tells the host. */
  protected recordNack(typeUrl: string, st: S, nonce: string, err: NackDetail, rejectedVersion: string, clientVersion: string): void {
    st.lastNack = { nonce, rejectedVersion, clientVersion, code: err.code ?? 0, message: err.message ?? '', at: new Date().toISOString() };
    this.host.log.warn({ conn: this.id, type: SHORT_TYPE[typeUrl], nonce, error: err.message }, 'NACK');
    this.host.nacked?.(this, typeUrl, st.lastNack);
  }

  protected recordAck(st: S, version: string, nonce: string): void {
    st.ackedVersion = version;
    st.ackedNonce = nonce;
    st.ackedAt = new Date().toISOString();
  }

  /** Stamps a response about to be written with `version`; returns its new nonce. */
  protected stampSent(st: S, version: string): string {
    const nonce = String(++this.nonceCounter);
    st.sentVersion = version;
    st.nonce = nonce;
    st.sentAt = new Date().toISOString();
    return nonce;
  }

  push(request: PushRequest): void {
    const secretNamespaces = secretOnlyNamespaces(request);
    if (secretNamespaces) {
      // A Secret changed: only SDS of proxies in its namespace can see it (credential-resolver.ts).
      const st = this.types.get(TYPE_URL.secret);
      if (st && this.proxy && secretNamespaces.has(this.proxy.namespace)) this.pushType(TYPE_URL.secret, st);
      return;
    }
    for (const typeUrl of PUSH_ORDER) {
      const st = this.types.get(typeUrl);
      if (!st) continue;
      if (request.full || typeUrl === TYPE_URL.endpoint) this.pushType(typeUrl, st);
    }
  }

  status(): ProxySyncStatus | undefined {
    if (!this.proxy) return undefined;
    const types: Record<string, TypeSyncStatus> = {};
    for (const [typeUrl, st] of this.types) {
      types[typeUrl] = {
        sentVersion: st.sentVersion, ackedVersion: st.ackedVersion, nonce: st.nonce, ackedNonce: st.ackedNonce,
        subscribed: this.subscribedNames(st), lastNack: st.lastNack, sentAt: st.sentAt, ackedAt: st.ackedAt,
      };
    }
    return { connectionId: this.id, proxyId: this.proxy.id, namespace: this.proxy.namespace, generator: this.proxy.generator, userAgent: this.proxy.userAgent, mode: this.mode, connectedAt: this.connectedAt, types };
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
