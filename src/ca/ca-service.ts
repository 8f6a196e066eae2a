import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { authenticateCall, type AuthenticatedCaller } from './authenticate-call.js';
import { CaMetrics } from './ca-metrics.js';
import { istioCertificateService, type IstioCertificateRequest, type IstioCertificateResponse } from './ca-proto.js';
import { CaRefusal } from './ca-refusal.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { peerCertificateDer } from './peer-certificate.js';
import { spiffeUri } from './spiffe-id.js';
import type { BoundWorkload } from './workload-token.js';

/** How the CA service behaves on one server. */
export interface CaServiceOptions {
  /**
   * Let a caller renew with its still-valid mesh certificate instead of a token. Enable only on a
   * TLS server that requests client certificates (15012); plaintext servers never see one anyway.
   */
  allowPeerCertificate?: boolean;
  logger?: Logger;
  /** Share one metrics object between servers (15010 and 15012); a new one by default. */
  metrics?: CaMetrics;
  /**
   * The uid of WorkloadEntry namespace/name now, or undefined when it does not exist. A token
   * minted for a workload is revoked once its entry is gone or was re-created (another uid);
   * without this lookup such tokens are refused, since their revocation cannot be checked.
   */
  workloadUid?: (namespace: string, name: string) => Promise<string | undefined>;
}

/** Refuses a token whose workload was deregistered since it was minted. */
async function checkNotRevoked(workload: BoundWorkload, lookup: CaServiceOptions['workloadUid']): Promise<void> {
  const where = `WorkloadEntry ${workload.namespace}/${workload.name}`;
  if (!lookup) throw new CaRefusal('revoked', `bearer token is bound to ${where}, which this CA cannot check`);
  const uid = await lookup(workload.namespace, workload.name);
  if (uid === undefined) throw new CaRefusal('revoked', `bearer token was revoked: its workload (${where}) was deregistered`);
  if (uid !== workload.uid) throw new CaRefusal('revoked', `bearer token was revoked: its workload (${where}) was deregistered and registered again since`);
}

/** What `addCaService` hands back: the metrics for /metrics. */
export interface CaServiceHandle {
  metrics: CaMetrics;
}

/** Adds `istio.v1.auth.IstioCertificateService` to a gRPC server (before or after bind, before traffic). */
export function addCaService(server: grpc.Server, ca: CertificateAuthority, options: CaServiceOptions = {}): CaServiceHandle {
  const metrics = options.metrics ?? new CaMetrics();
  metrics.rootExpiry ??= () => ca.signer().cert.notAfter;
  const log = options.logger ?? pino({ name: 'ca-service', level: 'info' }, pino.destination(2));
  const allowPeer = options.allowPeerCertificate ?? false;

  const createCertificate: grpc.handleUnaryCall<IstioCertificateRequest, IstioCertificateResponse> = (call, callback) => {
    const started = process.hrtime.bigint();
    metrics.csrs.inc();
    let caller: AuthenticatedCaller | undefined;
    const finish = (): void => metrics.latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    void (async () => {
      caller = authenticateCall(ca, call.metadata, peerCertificateDer(call), allowPeer);
      if (caller.workload) await checkNotRevoked(caller.workload, options.workloadUid);
      const requested = Number(call.request.validity_duration ?? 0);
      const chain = await ca.sign(call.request.csr, caller.identity, requested);
      return chain;
    })().then(
      (chain) => {
        finish();
        metrics.issued.inc();
        log.info({ peer: call.getPeer(), identity: caller && spiffeUri(caller.identity), auth: caller?.method, requestedTtl: String(call.request.validity_duration) }, 'issued workload certificate');
        callback(null, { cert_chain: chain });
      },
      (err: unknown) => {
        finish();
        if (err instanceof CaRefusal) {
          metrics.countError(err.reason);
          log.warn({ peer: call.getPeer(), reason: err.reason, code: grpc.status[err.grpcCode], identity: caller && spiffeUri(caller.identity) }, `refused certificate request: ${err.message}`);
          callback({ code: err.grpcCode, details: err.message });
          return;
        }
        metrics.countError('internal');
        log.error({ peer: call.getPeer(), err }, 'certificate request failed');
        callback({ code: grpc.status.INTERNAL, details: 'the CA failed to sign the request' });
      },
    );
  };

  server.addService(istioCertificateService().service, { CreateCertificate: createCertificate });
  return { metrics };
}
