import { createHash } from 'node:crypto';
import * as tls from 'node:tls';
import type { DownstreamTlsConfig, SecretConfig } from '../config/model.js';
import type { SecretLookup } from './secret-lookup.js';
import { DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION, nodeTlsVersion } from './tls-version.js';

/** Why no TLS context could be built for a chain. */
export interface TlsContextUnavailable {
  readonly unavailable: string;
}

/** Options shared by every server-side TLS context. */
export interface DownstreamTlsContextsOptions {
  readonly handshakeTimeoutMs: number;
  /** Contexts kept; older ones are dropped (connections using them are unaffected). */
  readonly maxEntries?: number;
  /** Called once for every tls.Server built, to attach the handshake listeners. */
  readonly onServer: (server: tls.Server) => void;
}

const contentDigest = new WeakMap<SecretConfig, string>();
const configKey = new WeakMap<DownstreamTlsConfig, string>();

function digestOf(secret: SecretConfig): string {
  let d = contentDigest.get(secret);
  if (d === undefined) {
    d = createHash('sha256').update(JSON.stringify([secret.certificateChain ?? '', secret.privateKey ?? '', secret.trustedCa ?? '', secret.crl ?? ''])).digest('hex');
    contentDigest.set(secret, d);
  }
  return d;
}

function keyOfConfig(config: DownstreamTlsConfig): string {
  let k = configKey.get(config);
  if (k === undefined) {
    k = JSON.stringify(config);
    configKey.set(config, k);
  }
  return k;
}

/**
 * Server-side TLS contexts, built once per (chain TLS settings, secret contents, ALPN on/off)
 * and reused for every handshake. Each context is an unlistened tls.Server: handing it a socket
 * (`emit('connection')`) gets Node's full server handshake, including OpenSSL's verdict on the
 * client chain, without reaching into private TLSSocket state. A rotated secret has new
 * contents, hence a new key: new handshakes use the new certificate while connections already
 * established keep theirs.
 */
export class DownstreamTlsContexts {
  private readonly entries = new Map<string, tls.Server>();
  private readonly maxEntries: number;

  constructor(private readonly opts: DownstreamTlsContextsOptions) {
    this.maxEntries = opts.maxEntries ?? 256;
  }

  /**
   * The context for a chain. `withAlpn` is false when the client offered no protocol the chain
   * accepts: Envoy then completes the handshake without ALPN, where Node would abort it.
   */
  resolve(config: DownstreamTlsConfig, secrets: SecretLookup, withAlpn: boolean): tls.Server | TlsContextUnavailable {
    const certs: SecretConfig[] = [];
    for (const name of config.certificateSecrets) {
      const s = secrets(name);
      if (!s?.certificateChain || !s.privateKey) return { unavailable: `certificate secret ${JSON.stringify(name)} is not available` };
      certs.push(s);
    }
    let validation: SecretConfig | undefined;
    if (config.validationSecret !== undefined) {
      validation = secrets(config.validationSecret);
      if (!validation?.trustedCa) return { unavailable: `validation secret ${JSON.stringify(config.validationSecret)} is not available` };
    }
    const key = [keyOfConfig(config), ...certs.map(digestOf), validation ? digestOf(validation) : '', withAlpn ? 'alpn' : 'no-alpn'].join('|');
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let server: tls.Server;
    try {
      server = tls.createServer({
        key: certs.map((c) => c.privateKey as string),
        cert: certs.map((c) => c.certificateChain as string),
        ...(validation ? { ca: validation.trustedCa } : {}),
        ...(validation?.crl ? { crl: validation.crl } : {}),
        // A validation context without require_client_certificate still asks for (and checks) a certificate.
        requestCert: config.requireClientCertificate || validation !== undefined,
        rejectUnauthorized: config.requireClientCertificate,
        ...(withAlpn && config.alpnProtocols.length > 0 ? { ALPNProtocols: [...config.alpnProtocols] } : {}),
        minVersion: nodeTlsVersion(config.minVersion) ?? DEFAULT_MIN_VERSION,
        maxVersion: nodeTlsVersion(config.maxVersion) ?? DEFAULT_MAX_VERSION,
        ...(config.cipherSuites && config.cipherSuites.length > 0 ? { ciphers: config.cipherSuites.join(':') } : {}),
        handshakeTimeout: this.opts.handshakeTimeoutMs,
      });
    } catch (err) {
      return { unavailable: `TLS material rejected: ${(err as Error).message}` };
    }
    this.opts.onServer(server);
    this.entries.set(key, server);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return server;
  }

  /** Number of cached contexts (for stats and tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every cached context, e.g. after a rotation, so memory is not held for old keys. */
  clear(): void {
    this.entries.clear();
  }
}
