import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { authenticateCall } from './authenticate-call.js';
import type { CaMetrics } from './ca-metrics.js';
import { CREATE_CERTIFICATE_PATH } from './ca-proto.js';
import { CaRefusal } from './ca-refusal.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { peerCertificateDer } from './peer-certificate.js';

/** Authenticated CreateCertificate calls one controller works on at once, over all its ports. */
export const DEFAULT_MAX_IN_FLIGHT_CSRS = 32;
const LOG_EVERY_MS = 1000;

/** Options of {@link CaAdmission}. */
export interface CaAdmissionOptions {
  /** The CA whose tokens and certificates authenticate callers (looked up per call: it may start later). */
  ca: () => CertificateAuthority;
  metrics: CaMetrics;
  logger: Logger;
  /** Default {@link DEFAULT_MAX_IN_FLIGHT_CSRS}. */
  maxInFlight?: number;
}

/**
 * Admission of CreateCertificate calls, as a grpc-js server interceptor that runs on the call's
 * headers, before a byte of the request message is read: a call without a valid bearer token (or,
 * on 15012, a mesh client certificate) is refused there with UNAUTHENTICATED, so an
 * unauthenticated caller never makes the controller buffer or parse a CSR; authenticated calls
 * beyond `maxInFlight` at once get RESOURCE_EXHAUSTED (agents retry with backoff). With the
 * xDS servers' 4 MiB receive limit this bounds what CSRs can make the controller hold.
 * One instance is shared by 15010 and 15012 so the bound is per controller.
 */
export class CaAdmission {
  private inFlight = 0;
  private readonly max: number;
  private lastLog = 0;
  private suppressed = 0;

  constructor(private readonly options: CaAdmissionOptions) {
    this.max = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT_CSRS;
  }

  /** Calls admitted and not finished. */
  get active(): number {
    return this.inFlight;
  }

  /** The interceptor for one server; `allowPeerCertificate` as the CA service on that port. */
  interceptor(allowPeerCertificate: boolean): ServerInterceptor {
    return (method, call) => {
      // Only the CA method; every other call passes untouched.
      if (method.path !== CREATE_CERTIFICATE_PATH) return new ServerInterceptingCall(call);
      const started = process.hrtime.bigint();
      let admitted = false;
      const release = (): void => {
        if (!admitted) return;
        admitted = false;
        this.inFlight--;
      };
      const refuse = (code: status, reason: Parameters<CaMetrics['countError']>[0], details: string): void => {
        this.options.metrics.csrs.inc();
        this.options.metrics.countError(reason);
        this.options.metrics.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.logRefusal(call.getPeer(), reason, details);
        call.sendStatus({ code, details, metadata: new Metadata() });
      };
      return new ServerInterceptingCall(call, {
        start: (next) => next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            try {
              authenticateCall(this.options.ca(), metadata, peerCertificateDer(call), allowPeerCertificate);
            } catch (err) {
              if (err instanceof CaRefusal) return refuse(err.grpcCode, err.reason, err.message);
              return refuse(status.INTERNAL, 'internal', 'the CA cannot authenticate the request');
            }
            if (this.inFlight >= this.max) return refuse(status.RESOURCE_EXHAUSTED, 'busy', `the CA is working on ${this.max} certificate requests; retry later`);
            this.inFlight++;
            admitted = true;
            nextMetadata(metadata);
          },
          onCancel: release,
        }),
        sendStatus: (s, next) => {
          release();
          next(s);
        },
      });
    };
  }

  /** One warning a second at most: a flood of refused calls must not become a flood of log lines. */
  private logRefusal(peer: string, reason: string, details: string): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    this.options.logger.warn({ peer, reason, suppressedSinceLast: this.suppressed }, `refused certificate request before reading it: ${details}`);
    this.lastLog = now;
    this.suppressed = 0;
  }
}
