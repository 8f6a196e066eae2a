import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import type { SecretConfig, UpstreamTlsConfig } from '../config/model.js';
import { sanChecker } from './san-matcher.js';
import { UpstreamError } from './upstream-error.js';

/** Everything `tls.connect` needs for one upstream TLS config, resolved against the secrets. */
export interface ResolvedTls {
  readonly secureContext: SecureContext;
  readonly rejectUnauthorized: boolean;
  readonly servername: string | undefined;
  readonly alpnProtocols: readonly string[];
  readonly checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
  /** True for ISTIO_MUTUAL (the peer is a sidecar): requests keep `:scheme` http. */
  readonly istioMutual: boolean;
}

interface Entry {
  readonly certSecrets: readonly (SecretConfig | undefined)[];
  readonly caSecret: SecretConfig | undefined;
  readonly context: SecureContext;
}

/**
 * Builds `tls.SecureContext`s from SDS secrets and keeps them while the secrets stay the same
 * objects; snapshots are immutable, so a rotated certificate arrives as a new SecretConfig and
 * the next connection gets a fresh context, while open connections keep theirs.
 */
export class TlsContextCache {
  private readonly contexts = new Map<string, Entry>();
  private readonly resolved = new WeakMap<UpstreamTlsConfig, { entry: Entry; tls: ResolvedTls; alpnDefault: string }>();

  /**
   * Resolve `config` against `secrets`. `defaultAlpn` is offered when the config names no ALPN
   * (Envoy offers h2 to HTTP/2 clusters). Throws an UpstreamError (UF) when a secret is missing.
   */
  resolve(config: UpstreamTlsConfig, secrets: ReadonlyMap<string, SecretConfig>, defaultAlpn: readonly string[]): ResolvedTls {
    const entry = this.context(config, secrets);
    const alpnDefault = defaultAlpn.join(',');
    const cached = this.resolved.get(config);
    if (cached !== undefined && cached.entry === entry && cached.alpnDefault === alpnDefault) return cached.tls;
    const tls: ResolvedTls = {
      secureContext: entry.context,
      rejectUnauthorized: config.validationSecret !== undefined && !config.insecureSkipVerify,
      servername: config.sni !== undefined && config.sni !== '' ? config.sni : undefined,
      alpnProtocols: config.alpnProtocols.length > 0 ? config.alpnProtocols : defaultAlpn,
      checkServerIdentity: config.insecureSkipVerify ? () => undefined : sanChecker(config.matchSubjectAltNames),
      istioMutual: config.istioMutual,
    };
    this.resolved.set(config, { entry, tls, alpnDefault });
    return tls;
  }

  private context(config: UpstreamTlsConfig, secrets: ReadonlyMap<string, SecretConfig>): Entry {
    const key = `${config.certificateSecrets.join(',')}|${config.validationSecret ?? ''}`;
    const certSecrets = config.certificateSecrets.map((n) => secrets.get(n));
    const caSecret = config.validationSecret !== undefined ? secrets.get(config.validationSecret) : undefined;
    const existing = this.contexts.get(key);
    if (existing !== undefined && existing.caSecret === caSecret && sameRefs(existing.certSecrets, certSecrets)) return existing;

    for (let i = 0; i < certSecrets.length; i++) {
      const s = certSecrets[i];
      if (s === undefined || s.certificateChain === undefined || s.privateKey === undefined) {
        throw new UpstreamError('UF', 'tls_secret_missing', `upstream TLS certificate secret "${config.certificateSecrets[i]}" is not available`);
      }
    }
    if (config.validationSecret !== undefined && caSecret?.trustedCa === undefined) {
      throw new UpstreamError('UF', 'tls_secret_missing', `upstream TLS validation secret "${config.validationSecret}" is not available`);
    }
    let context: SecureContext;
    try {
      const first = certSecrets[0];
      context = createSecureContext({
        cert: first?.certificateChain,
        key: first?.privateKey,
        ca: caSecret?.trustedCa,
        ...(caSecret?.crl ? { crl: caSecret.crl } : {}),
      });
    } catch (err) {
      throw new UpstreamError('UF', 'tls_bad_secret', `upstream TLS material is unusable: ${(err as Error).message}`, { cause: err });
    }
    const entry: Entry = { certSecrets, caSecret, context };
    this.contexts.set(key, entry);
    return entry;
  }
}

function sameRefs<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
