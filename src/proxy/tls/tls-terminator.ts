import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type * as tls from 'node:tls';
import type { Logger } from 'pino';
import type { DownstreamTlsConfig } from '../config/model.js';
import { connectionCertificates, type ConnectionCertificates } from './connection-certificates.js';
import { DownstreamTlsContexts } from './downstream-tls-contexts.js';
import { spiffeIdOf, subjectAltNameEntries } from './peer-identity.js';
import { sanMatcherFor } from './san-validation.js';
import type { SecretLookup } from './secret-lookup.js';

/** A TLS session this proxy terminated. */
export interface TerminatedTls {
  readonly socket: TLSSocket;
  /** SPIFFE id of a verified client certificate. */
  readonly peerPrincipal?: string;
  /** The ALPN protocol chosen, if any. */
  readonly negotiatedAlpn?: string;
  /** Certificate facts, when the peer presented a (verified) certificate. */
  readonly peerCertificates?: ConnectionCertificates;
}

/** Why termination failed; `reason` feeds stats (`ssl.handshake_error`, `ssl.fail_verify_san`, ...). */
export class TlsTerminationError extends Error {
  constructor(readonly reason: 'no_context' | 'handshake' | 'timeout' | 'verify' | 'san' | 'closed', message: string) {
    super(message);
    this.name = 'TlsTerminationError';
  }
}

/** Options of the terminator. */
export interface TlsTerminatorOptions {
  /** Handshakes that take longer fail (Node's handshakeTimeout). */
  readonly handshakeTimeoutMs?: number;
  readonly logger: Logger;
}

interface Pending {
  resolve(t: TerminatedTls): void;
  reject(e: TlsTerminationError): void;
  config: DownstreamTlsConfig;
}

/** The downstream connection's 4-tuple: unique among live TCP connections, and the same on the TLSSocket. */
function tupleKey(s: { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number }): string {
  return `${s.remoteAddress}|${s.remotePort}|${s.localAddress}|${s.localPort}`;
}

/**
 * Terminates downstream TLS for a filter chain: server certificate from the chain's SDS
 * secrets, client certificate requested and verified against the validation secret (mTLS),
 * SAN matching, ALPN, version bounds. A failed or stalled handshake fails that connection only.
 */
export class TlsTerminator {
  private readonly contexts: DownstreamTlsContexts;
  private readonly pending = new Map<string, Pending>();
  private readonly log: Logger;

  constructor(opts: TlsTerminatorOptions) {
    this.log = opts.logger;
    this.contexts = new DownstreamTlsContexts({
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      onServer: (server) => {
        server.on('secureConnection', (s: TLSSocket) => this.onSecure(s));
        server.on('tlsClientError', (err: Error, s: TLSSocket) => this.onClientError(err, s));
      },
    });
  }

  /** Cached context count (tests and stats). */
  get cachedContexts(): number {
    return this.contexts.size;
  }

  /**
   * Runs the server handshake on `raw` (whose first bytes may have been peeked and unshifted).
   * `offeredAlpn` is what the ClientHello offered, to decide whether ALPN can be negotiated.
   */
  terminate(raw: Socket, config: DownstreamTlsConfig, secrets: SecretLookup, offeredAlpn: readonly string[]): Promise<TerminatedTls> {
    const withAlpn = config.alpnProtocols.some((p) => offeredAlpn.includes(p));
    const ctx = this.contexts.resolve(config, secrets, withAlpn);
    if (!('emit' in ctx)) return Promise.reject(new TlsTerminationError('no_context', ctx.unavailable));
    const key = tupleKey(raw);
    if (this.pending.has(key)) return Promise.reject(new TlsTerminationError('handshake', 'duplicate connection tuple'));
    return new Promise<TerminatedTls>((resolve, reject) => {
      const onRawClose = (): void => {
        // The server destroys a socket whose client chain failed verification without an event.
        const p = this.pending.get(key);
        if (!p) return;
        this.pending.delete(key);
        p.reject(new TlsTerminationError('verify', 'connection closed during the TLS handshake (client certificate refused, or peer went away)'));
      };
      this.pending.set(key, {
        config,
        resolve: (t) => {
          raw.off('close', onRawClose);
          resolve(t);
        },
        reject: (e) => {
          raw.off('close', onRawClose);
          reject(e);
        },
      });
      raw.once('close', onRawClose);
      (ctx as tls.Server).emit('connection', raw);
    });
  }

  private take(s: TLSSocket): Pending | undefined {
    const key = tupleKey(s);
    const p = this.pending.get(key);
    if (p) this.pending.delete(key);
    return p;
  }

  private onSecure(s: TLSSocket): void {
    const p = this.take(s);
    if (!p) {
      s.destroy();
      return;
    }
    const cert = s.getPeerCertificate();
    const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
    if (hasCert && !s.authorized && p.config.validationSecret !== undefined) {
      // Optional client certificates must still chain to the trusted CA when presented.
      s.destroy();
      p.reject(new TlsTerminationError('verify', `client certificate not trusted: ${String(s.authorizationError)}`));
      return;
    }
    // SAN matchers (the mesh trust domains on inbound chains) apply to a presented certificate;
    // without one, require_client_certificate alone decides (the handshake already did).
    if (hasCert && p.config.matchSubjectAltNames.length > 0) {
      const entries = subjectAltNameEntries(cert.subjectaltname);
      if (!sanMatcherFor(p.config.matchSubjectAltNames)(entries)) {
        s.destroy();
        p.reject(new TlsTerminationError('san', `client certificate SANs [${entries.map((e) => `${e.type}:${e.value}`).join(', ')}] match none of the configured names`));
        return;
      }
    }
    if (hasCert && !pinned(s, p.config)) {
      s.destroy();
      p.reject(new TlsTerminationError('verify', 'client certificate matches none of verify_certificate_spki / verify_certificate_hash'));
      return;
    }
    const peerPrincipal = hasCert && s.authorized ? spiffeIdOf(cert) : undefined;
    const alpn = typeof s.alpnProtocol === 'string' ? s.alpnProtocol : undefined;
    p.resolve({
      socket: s,
      ...(peerPrincipal ? { peerPrincipal } : {}),
      ...(alpn ? { negotiatedAlpn: alpn } : {}),
      ...(hasCert ? { peerCertificates: connectionCertificates(s) } : {}),
    });
  }

  private onClientError(err: Error, s: TLSSocket): void {
    const p = this.take(s);
    s.destroy();
    if (!p) return;
    const code = (err as NodeJS.ErrnoException).code;
    this.log.debug({ err: err.message, code }, 'downstream TLS handshake failed');
    p.reject(new TlsTerminationError(code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'timeout' : 'handshake', err.message));
  }
}

/** Envoy's certificate pinning: a presented certificate must match a listed SPKI or certificate hash (either list). */
function pinned(s: TLSSocket, config: DownstreamTlsConfig): boolean {
  const spkis = config.verifyCertificateSpki ?? [];
  const hashes = config.verifyCertificateHash ?? [];
  if (spkis.length + hashes.length === 0) return true;
  const x = s.getPeerX509Certificate();
  if (!x) return false;
  if (hashes.length > 0 && hashes.includes(createHash('sha256').update(x.raw).digest('hex'))) return true;
  return spkis.length > 0 && spkis.includes(createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
}
