import { status } from '@grpc/grpc-js';
import { PlexusError } from '../api/errors.js';

/**
 * Why the CA refused a request. Stable strings: they label the error metric and the log line.
 */
export type RefusalReason =
  | 'no-credentials'
  | 'malformed-token'
  | 'bad-signature'
  | 'expired'
  | 'foreign-issuer'
  | 'foreign-trust-domain'
  | 'untrusted-peer-certificate'
  | 'malformed-csr'
  | 'csr-signature'
  | 'weak-key'
  | 'negative-validity'
  | 'validity-too-long'
  | 'revoked'
  | 'busy';

const GRPC_CODE: Record<RefusalReason, status> = {
  'no-credentials': status.UNAUTHENTICATED,
  'malformed-token': status.UNAUTHENTICATED,
  'bad-signature': status.UNAUTHENTICATED,
  expired: status.UNAUTHENTICATED,
  'foreign-issuer': status.UNAUTHENTICATED,
  'foreign-trust-domain': status.UNAUTHENTICATED,
  'untrusted-peer-certificate': status.UNAUTHENTICATED,
  'malformed-csr': status.INVALID_ARGUMENT,
  'csr-signature': status.INVALID_ARGUMENT,
  'weak-key': status.INVALID_ARGUMENT,
  'negative-validity': status.INVALID_ARGUMENT,
  'validity-too-long': status.INVALID_ARGUMENT,
  revoked: status.UNAUTHENTICATED,
  busy: status.RESOURCE_EXHAUSTED,
};

/** A refused certificate request: the reason, the gRPC status it maps to, and a message for the caller. */
export class CaRefusal extends PlexusError {
  readonly grpcCode: status;

  constructor(readonly reason: RefusalReason, message: string, options?: { cause?: unknown }) {
    super('PLEXUS_ERR_CA_REFUSED', message, options);
    this.name = 'CaRefusal';
    this.grpcCode = GRPC_CODE[reason];
  }
}
