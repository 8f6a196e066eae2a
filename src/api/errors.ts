/**
 * Every error Plexus raises on purpose carries a stable code from this table. The table is
 * the single source for docs/errors.md (a test keeps the two in sync).
 */
export const ERROR_CODES = {
  PLEXUS_ERR_USAGE: 'The command line is malformed: unknown flag, missing argument or value.',
  PLEXUS_ERR_IO: 'A file, directory or stream could not be read or written.',
  PLEXUS_ERR_PARSE: 'A document is not well-formed YAML or JSON.',
  PLEXUS_ERR_INVALID_CONFIG: 'A resource failed validation; the errors name file, line and field.',
  PLEXUS_ERR_UNKNOWN_KIND: 'A document names a kind or apiVersion that Plexus does not serve.',
  PLEXUS_ERR_INTERNAL: 'A bug in Plexus: an invariant did not hold. Please report it.',
  PLEXUS_ERR_CONFLICT: 'A write named an expected resourceVersion that is no longer current; re-read and retry.',
  PLEXUS_ERR_NOT_FOUND: 'The named resource does not exist.',
  PLEXUS_ERR_UNAUTHENTICATED: 'The admin API refused the request: the bearer token is missing or wrong.',
  PLEXUS_ERR_CONTROLLER_UNREACHABLE: 'No Plexus controller answers for this home directory; start one with `plexus controller`.',
  PLEXUS_ERR_CONTROLLER_RUNNING: 'Another controller already serves this home directory.',
  PLEXUS_ERR_CA_MATERIAL: 'The CA key or certificate files are missing, unreadable, weak, or do not belong together.',
  PLEXUS_ERR_CA_REFUSED: 'The CA refused a certificate request: unauthenticated caller, malformed or weak CSR, or bad validity.',
  PLEXUS_ERR_CA_ROTATION: 'A root rotation was asked of a CA whose root is plugged in from files; replace those files instead.',
  PLEXUS_ERR_CERT_FETCH: 'The agent could not obtain a workload certificate from the CA; it keeps retrying.',
  PLEXUS_ERR_HOST_NETWORK: 'A host networking step (ip, iptables, sysctl, a network namespace) failed or its tool is missing; the message names the command and its output.',
  PLEXUS_ERR_CAPTURE_UNAVAILABLE: 'Transparent capture cannot run here: not Linux, not root, or the SO_ORIGINAL_DST addon is not built (node scripts/build-native.mjs).',
  PLEXUS_ERR_REGISTRATION_REFUSED: 'A proxy asked to register or control a WorkloadEntry without a verified identity (a mesh certificate on 15012) of its namespace and service account.',
  PLEXUS_ERR_TOO_LARGE: 'A request or document exceeds a size, nesting or aliasing limit that protects the controller; the message names the limit.',
  PLEXUS_ERR_JWKS_FETCH: 'The controller could not fetch the JWKS of a RequestAuthentication issuer (jwksUri or OpenID discovery); tokens of that issuer fail until a retry succeeds.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type of Plexus: a stable `code`, a message for people, and the cause. */
export class PlexusError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlexusError';
  }
}

/** True when `err` is a PlexusError, optionally with the given code. */
export function isPlexusError(err: unknown, code?: ErrorCode): err is PlexusError {
  return err instanceof PlexusError && (code === undefined || err.code === code);
}
