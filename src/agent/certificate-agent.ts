import { EventEmitter } from 'node:events';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { pino, type Logger } from 'pino';
import { PlexusError } from '../api/errors.js';
import type { KeyAlgorithm } from '../ca/key-algorithm.js';
import { joinPem } from '../ca/pem.js';
import { spiffeUrisFromSubjectAltName } from '../ca/spiffe-id.js';
import { requestCertificate, type CaEndpoint } from './ca-client.js';
import { writeCertificateFiles } from './certificate-files.js';
import { renewalDelayMs, type RenewalPolicy } from './renewal-schedule.js';
import { createKeyAndCsr } from './workload-key.js';

/** The agent's current identity: what SDS `default` and `ROOTCA` serve. */
export interface WorkloadCertificate {
  /** Leaf first, then intermediates; no root. */
  certChainPem: string;
  keyPem: string;
  /** Every root the workload trusts (the last element of the CA's response). */
  rootsPem: string;
  spiffeId: string | undefined;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  receivedAt: Date;
}

/** How the agent gets and keeps its certificate. */
export interface CertificateAgentOptions {
  ca: CaEndpoint;
  /** Bootstrap token (or a function that returns the current one, for tokens that rotate). */
  token?: string | (() => string | Promise<string>);
  /** On a TLS endpoint, renew with the current certificate instead of the token while it is valid. */
  renewWithCertificate?: boolean;
  keyAlgorithm?: KeyAlgorithm;
  /** Requested validity in seconds; 0 lets the CA choose (its default, 24 h). */
  ttlSeconds?: number;
  /** Renewal point and jitter (default half-life, ±1%). */
  renewal?: Partial<RenewalPolicy>;
  /** When set, cert-chain.pem, key.pem (0600) and root-cert.pem are written here on every change. */
  outputDir?: string;
  /** First and longest wait between failed attempts (default 500 ms and 30 s). */
  retry?: { initialMs?: number; maxMs?: number };
  callTimeoutMs?: number;
  logger?: Logger;
}

/** Splits a CreateCertificate response into chain and roots, and reads the leaf. */
export function parseCertificateResponse(certChain: string[], keyPem: string, receivedAt = new Date()): WorkloadCertificate {
  if (certChain.length < 2) throw new PlexusError('PLEXUS_ERR_CERT_FETCH', `the CA answered with ${certChain.length} certificate(s); want a leaf and the roots`);
  const leaf = new X509Certificate(certChain[0]);
  return {
    certChainPem: joinPem(certChain.slice(0, -1)),
    keyPem,
    rootsPem: joinPem([certChain[certChain.length - 1]]),
    spiffeId: spiffeUrisFromSubjectAltName(leaf.subjectAltName)[0],
    serialNumber: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    receivedAt,
  };
}

/**
 * The certificate half of the sidecar agent: makes a key and CSR, obtains a certificate from the
 * CA, renews it at half-life (±1% jitter) with a new key each time, retries with backoff on
 * failure, and emits `change` with the new WorkloadCertificate. Failures are logged and emitted
 * as `fetch-error` (not `error`, so an unobserved failure never crashes the process).
 */
export class CertificateAgent extends EventEmitter {
  private cert: WorkloadCertificate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<WorkloadCertificate> | undefined;
  private stopped = false;
  private failures = 0;
  private readonly policy: RenewalPolicy;
  private readonly log: Logger;

  constructor(private readonly opts: CertificateAgentOptions) {
    super();
    this.policy = { fraction: opts.renewal?.fraction ?? 0.5, jitter: opts.renewal?.jitter ?? 0.01 };
    this.log = opts.logger ?? pino({ name: 'cert-agent', level: 'info' }, pino.destination(2));
  }

  /** The current certificate, or undefined before the first one arrived. */
  current(): WorkloadCertificate | undefined {
    return this.cert;
  }

  /** Obtains the first certificate (retrying until it succeeds or `stop()`), then keeps renewing. */
  start(): Promise<WorkloadCertificate> {
    return this.renewNow();
  }

  /** Renews now (or joins a renewal in progress); resolves with the certificate obtained. */
  renewNow(): Promise<WorkloadCertificate> {
    if (this.stopped) return Promise.reject(new PlexusError('PLEXUS_ERR_CERT_FETCH', 'the certificate agent is stopped'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight ??= this.fetchUntilSuccess().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops renewing; the current certificate stays readable. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async fetchUntilSuccess(): Promise<WorkloadCertificate> {
    for (;;) {
      try {
        const cert = await this.fetchOnce();
        this.failures = 0;
        this.install(cert);
        return cert;
      } catch (err) {
        this.failures++;
        const wait = Math.min((this.opts.retry?.initialMs ?? 500) * 2 ** (this.failures - 1), this.opts.retry?.maxMs ?? 30_000);
        this.log.warn({ err: (err as Error).message, code: (err as grpc.ServiceError).code, attempt: this.failures, retryInMs: wait }, 'could not obtain a workload certificate');
        this.emit('fetch-error', err);
        if (this.stopped) throw new PlexusError('PLEXUS_ERR_CERT_FETCH', `the certificate agent stopped: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, wait));
        if (this.stopped) throw new PlexusError('PLEXUS_ERR_CERT_FETCH', 'the certificate agent stopped', { cause: err });
      }
    }
  }

  private async fetchOnce(): Promise<WorkloadCertificate> {
    const { keyPem, csrPem } = await createKeyAndCsr(this.opts.keyAlgorithm ?? 'ec-p256', this.cert?.spiffeId);
    const base = { csrPem, validitySeconds: this.opts.ttlSeconds ?? 0, timeoutMs: this.opts.callTimeoutMs ?? 10_000 };
    const current = this.cert;
    const useCert = this.opts.renewWithCertificate && this.opts.ca.tlsRootPem && current && current.notAfter.getTime() > Date.now();
    let chain: string[];
    if (useCert) {
      try {
        chain = await requestCertificate(this.opts.ca, { ...base, clientCertificate: { certChainPem: current.certChainPem, keyPem: current.keyPem } });
      } catch (err) {
        if ((err as grpc.ServiceError).code !== grpc.status.UNAUTHENTICATED || !this.opts.token) throw err;
        this.log.info('certificate renewal refused; falling back to the bootstrap token');
        chain = await requestCertificate(this.opts.ca, { ...base, token: await this.token() });
      }
    } else {
      chain = await requestCertificate(this.opts.ca, { ...base, token: await this.token() });
    }
    return parseCertificateResponse(chain, keyPem);
  }

  private async token(): Promise<string | undefined> {
    const t = this.opts.token;
    return typeof t === 'function' ? t() : t;
  }

  private install(cert: WorkloadCertificate): void {
    this.cert = cert;
    if (this.opts.outputDir) writeCertificateFiles(this.opts.outputDir, cert);
    const delay = renewalDelayMs(cert.notBefore, cert.notAfter, Date.now(), this.policy);
    this.log.info({ spiffeId: cert.spiffeId, serial: cert.serialNumber, notAfter: cert.notAfter.toISOString(), renewInMs: delay }, 'workload certificate installed');
    if (!this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.renewNow().catch(() => undefined); // failures are logged and retried inside
      }, delay);
    }
    this.emit('change', cert);
  }
}
