import { EventEmitter } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import { CaRefusal } from './ca-refusal.js';
import { checkCsr } from './csr-check.js';
import { generateKeyPair, privateKeyToPem, type KeyAlgorithm } from './key-algorithm.js';
import { joinPem, splitPemCertificates } from './pem.js';
import { loadPluggedCa, type PluggedCa } from './plugged-ca.js';
import { RootStore } from './root-store.js';
import type { Signer } from './signer.js';
import { DEFAULT_TRUST_DOMAIN, parseSpiffeUri, spiffeUri, spiffeUrisFromSubjectAltName, type WorkloadIdentity } from './spiffe-id.js';
import { issueLeafCertificate, workloadAltNames } from './workload-certificate.js';
import { WorkloadTokenAuthority, type MintTokenRequest, type VerifiedToken } from './workload-token.js';
import type { x509 } from './x509.js';

const DAY = 24 * 3600;
/** Workload certificates live 24 h unless configured otherwise (DESIGN.md §4). */
export const DEFAULT_WORKLOAD_TTL_SECONDS = DAY;
/** No workload certificate lives longer than 90 days, whatever is configured or requested. */
export const MAX_WORKLOAD_TTL_SECONDS = 90 * DAY;

/** How to build a CA. */
export interface CertificateAuthorityOptions {
  /** Plexus home; CA state lives in `<home>/ca/`. Undefined keeps everything in memory (tests, benchmarks). */
  home?: string;
  /** A directory in Istio's `cacerts` layout; when set, its CA signs and no root is created. */
  cacertsDir?: string;
  trustDomain?: string;
  /** Key type of a self-made root (default ec-p256). */
  keyAlgorithm?: KeyAlgorithm;
  rootValidityYears?: number;
  /** Default workload certificate lifetime in seconds (24 h); capped at the maximum. */
  workloadCertTtl?: number;
  /** Longest workload certificate in seconds (90 days, which is also the ceiling of this setting). */
  maxWorkloadCertTtl?: number;
  /**
   * What to do with a request for more than the maximum: `cap` issues the maximum (Plexus's
   * default), `reject` refuses with INVALID_ARGUMENT as Istio's CA does.
   */
  excessiveTtl?: 'cap' | 'reject';
  /** notBefore is this many seconds in the past, for peers whose clocks lag (default 60). */
  backdateSeconds?: number;
  /** Extra trusted roots (PEM), e.g. of trust domain aliases; they go into every trust bundle. */
  extraRootsPem?: string;
  logger?: Logger;
}

/** A certificate and key for one of the controller's own TLS ports. */
export interface ServerCertificate {
  certChainPem: string;
  keyPem: string;
}

/**
 * The mesh CA: a self-made root persisted in the home directory (or a plugged-in intermediate),
 * the workload tokens that authenticate CSRs, and the signing of workload certificates whose only
 * SAN is the authenticated SPIFFE identity. Emits `trust-bundle` (PEM) when the set of trusted
 * roots changes.
 */
export class CertificateAuthority extends EventEmitter {
  readonly trustDomain: string;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  private readonly excessiveTtl: 'cap' | 'reject';
  private readonly backdateSeconds: number;
  private readonly extraRootsPem: string[];
  private readonly log: Logger;
  private lastBundle = '';

  private constructor(
    opts: CertificateAuthorityOptions,
    private readonly tokens: WorkloadTokenAuthority,
    private readonly roots: RootStore | undefined,
    private readonly plugged: PluggedCa | undefined,
  ) {
    super();
    this.trustDomain = opts.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    this.maxTtlSeconds = Math.min(opts.maxWorkloadCertTtl ?? MAX_WORKLOAD_TTL_SECONDS, MAX_WORKLOAD_TTL_SECONDS);
    this.defaultTtlSeconds = Math.min(opts.workloadCertTtl ?? DEFAULT_WORKLOAD_TTL_SECONDS, this.maxTtlSeconds);
    this.excessiveTtl = opts.excessiveTtl ?? 'cap';
    this.backdateSeconds = opts.backdateSeconds ?? 60;
    this.extraRootsPem = splitPemCertificates(opts.extraRootsPem ?? '');
    this.log = opts.logger ?? pino({ name: 'ca', level: 'info' }, pino.destination(2));
    this.lastBundle = this.trustBundlePem();
  }

  /** Opens the CA: loads plugged-in files, or loads (creating on first start) the self-made root. */
  static async open(opts: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const trustDomain = opts.trustDomain ?? DEFAULT_TRUST_DOMAIN;
    const dir = opts.home ? join(opts.home, 'ca') : undefined;
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tokens = dir ? WorkloadTokenAuthority.open(join(dir, 'token-key'), trustDomain) : WorkloadTokenAuthority.ephemeral(trustDomain);
    if (opts.cacertsDir) {
      const plugged = await loadPluggedCa(opts.cacertsDir);
      const ca = new CertificateAuthority(opts, tokens, undefined, plugged);
      ca.log.info({ cacerts: opts.cacertsDir, signer: plugged.signer.cert.subject, roots: plugged.rootsPem.length }, 'CA uses plugged-in certificates');
      return ca;
    }
    const { store, created } = await RootStore.open({ dir, keyAlgorithm: opts.keyAlgorithm ?? 'ec-p256', trustDomain, rootValidityYears: opts.rootValidityYears ?? 10 });
    const ca = new CertificateAuthority(opts, tokens, store, undefined);
    const root = store.active();
    ca.log.info({ dir, created, root: root.cert.serialNumber, notAfter: root.cert.notAfter.toISOString() }, created ? 'CA created a self-signed root' : 'CA loaded its self-signed root');
    return ca;
  }

  /** True when the signing CA came from a `cacerts` directory. */
  get isPlugged(): boolean {
    return this.plugged !== undefined;
  }

  /** Mints a bearer token bound to namespace/serviceAccount in this trust domain; `ttl` in seconds (default 1 h). */
  mintWorkloadToken(req: MintTokenRequest): string {
    return this.tokens.mint(req);
  }

  /** The identity a token is bound to; throws CaRefusal (UNAUTHENTICATED) when it is not acceptable. */
  verifyWorkloadToken(token: string): WorkloadIdentity {
    return this.tokens.verify(token);
  }

  /** The identity and the workload (if any) a token is bound to; throws CaRefusal when it is not acceptable. */
  verifyWorkloadTokenClaims(token: string): VerifiedToken {
    return this.tokens.verifyToken(token);
  }

  /** The certificate that signs workload certificates now. */
  signer(): Signer {
    return this.plugged?.signer ?? (this.roots as RootStore).active();
  }

  /** Every root a workload should trust now, PEM, the signing root first. */
  trustBundlePem(): string {
    const own = this.plugged ? this.plugged.rootsPem : (this.roots as RootStore).trusted().map((s) => s.certPem);
    const bundle = joinPem([...new Set([...own, ...this.extraRootsPem].map((p) => `${p.trim()}\n`))]);
    if (this.lastBundle && bundle !== this.lastBundle) {
      this.lastBundle = bundle;
      this.log.info({ roots: splitPemCertificates(bundle).length }, 'trust bundle changed');
      this.emit('trust-bundle', bundle);
    }
    return bundle;
  }

  /** The validity a request gets: 0 means the default, beyond the maximum is capped or refused. */
  resolveTtl(requestedSeconds: number): number {
    if (!Number.isFinite(requestedSeconds)) throw new CaRefusal('negative-validity', 'validity_duration is not a number');
    if (requestedSeconds < 0) throw new CaRefusal('negative-validity', `validity_duration ${requestedSeconds}s is negative`);
    if (requestedSeconds === 0) return this.defaultTtlSeconds;
    if (requestedSeconds > this.maxTtlSeconds) {
      if (this.excessiveTtl === 'reject') throw new CaRefusal('validity-too-long', `requested TTL ${requestedSeconds}s is greater than the max allowed TTL ${this.maxTtlSeconds}s`);
      return this.maxTtlSeconds;
    }
    return Math.floor(requestedSeconds);
  }

  /**
   * Signs a CSR for an authenticated identity. The CSR contributes only its (checked) public key.
   * Returns the chain Istio's agents expect: leaf, intermediates, then the trust bundle last.
   */
  async sign(csrPem: string, identity: WorkloadIdentity, requestedTtlSeconds: number): Promise<string[]> {
    if (identity.trustDomain !== this.trustDomain) throw new CaRefusal('foreign-trust-domain', `identity ${spiffeUri(identity)} is not in trust domain ${this.trustDomain}`);
    const ttlSeconds = this.resolveTtl(requestedTtlSeconds);
    const publicKey = await checkCsr(csrPem);
    const leaf = await issueLeafCertificate(this.signer(), { publicKey, altNames: workloadAltNames(identity), ttlSeconds, backdateSeconds: this.backdateSeconds });
    return [`${leaf.toString('pem')}\n`, ...this.intermediatesPem(), this.trustBundlePem()];
  }

  /**
   * A certificate for the controller's own TLS ports (15012, webhooks): DNS and IP SANs plus the
   * controller's SPIFFE identity, key made here. Lifetime defaults to the workload default.
   */
  async issueServerCertificate(opts: { dnsNames?: string[]; ipAddresses?: string[]; identity?: WorkloadIdentity; ttlSeconds?: number }): Promise<ServerCertificate> {
    const keys = await generateKeyPair('ec-p256');
    const identity = opts.identity ?? { trustDomain: this.trustDomain, namespace: 'plexus-system', serviceAccount: 'plexus-controller' };
    const altNames: x509.JsonGeneralName[] = [
      ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ...workloadAltNames(identity),
    ];
    const leaf = await issueLeafCertificate(this.signer(), { publicKey: keys.publicKey, altNames, ttlSeconds: Math.min(opts.ttlSeconds ?? this.defaultTtlSeconds, this.maxTtlSeconds), backdateSeconds: this.backdateSeconds });
    return { certChainPem: joinPem([leaf.toString('pem'), ...this.intermediatesPem()]), keyPem: await privateKeyToPem(keys.privateKey) };
  }

  /**
   * The identity of a TLS peer that presented a mesh certificate: it must be issued by this CA's
   * signer (or a root it still trusts), be within its validity, and carry exactly one SPIFFE URI
   * of this trust domain. Throws CaRefusal otherwise.
   */
  identityFromPeerCertificate(certDer: Buffer, now = Date.now()): WorkloadIdentity {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certDer);
    } catch (err) {
      throw new CaRefusal('untrusted-peer-certificate', 'the peer certificate cannot be parsed', { cause: err });
    }
    const issuers = [this.signer().certPem, ...splitPemCertificates(this.trustBundlePem())].map((p) => new X509Certificate(p));
    if (!issuers.some((i) => cert.checkIssued(i) && cert.verify(i.publicKey))) throw new CaRefusal('untrusted-peer-certificate', 'the peer certificate was not issued by this CA');
    if (Date.parse(cert.validTo) <= now || Date.parse(cert.validFrom) > now + this.backdateSeconds * 1000) throw new CaRefusal('expired', `the peer certificate is not valid now (${cert.validFrom} – ${cert.validTo})`);
    const uris = spiffeUrisFromSubjectAltName(cert.subjectAltName);
    const identity = uris.length === 1 ? parseSpiffeUri(uris[0]) : undefined;
    if (!identity) throw new CaRefusal('untrusted-peer-certificate', 'the peer certificate does not carry exactly one SPIFFE identity');
    if (identity.trustDomain !== this.trustDomain) throw new CaRefusal('foreign-trust-domain', `the peer certificate is for trust domain ${identity.trustDomain}`);
    return identity;
  }

  /**
   * Starts a root rotation (self-made roots only): a new root is trusted at once and signs from
   * `activateAfterSeconds` on (default: one default TTL, so every workload renews — and so learns
   * the new root — before any peer presents a certificate from it). The old root stays trusted for
   * a maximum TTL after that, until everything it signed has expired.
   */
  async rotateRoot(opts: { activateAfterSeconds?: number } = {}): Promise<{ rootPem: string; activatesAt: Date }> {
    if (!this.roots) throw new PlexusError('PLEXUS_ERR_CA_ROTATION', 'the CA is plugged in from a cacerts directory; rotate by replacing its files (with both roots in root-cert.pem during the overlap)');
    const activatesAt = Date.now() + (opts.activateAfterSeconds ?? this.defaultTtlSeconds) * 1000;
    const root = await this.roots.rotate(activatesAt, (this.maxTtlSeconds + this.backdateSeconds) * 1000);
    this.log.info({ root: root.cert.serialNumber, activatesAt: new Date(activatesAt).toISOString() }, 'root rotation started: new root trusted now, signs from activation');
    this.trustBundlePem();
    return { rootPem: root.certPem, activatesAt: new Date(activatesAt) };
  }

  private intermediatesPem(): string[] {
    return this.plugged?.intermediatesPem ?? [];
  }
}
