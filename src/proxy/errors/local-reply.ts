import { DataPlaneError, type ResetReason } from './data-plane-error.js';
import { isResponseFlag, type ResponseFlag } from './response-flags.js';

/**
 * A response the proxy makes up itself instead of forwarding one: the single mapping from a
 * data-plane failure to status, body and flag (DESIGN.md §3). Bodies and details strings are
 * Envoy's, so clients and runbooks that grep for them keep working.
 */
export interface LocalReply {
  /** HTTP status; 0 means no response can be sent (the downstream is gone). */
  readonly status: number;
  readonly body: string;
  readonly flag?: ResponseFlag;
  /** Envoy's `%RESPONSE_CODE_DETAILS%`. */
  readonly details: string;
  /** Extra headers (e.g. `grpc-status` for a gRPC abort). */
  readonly headers?: Readonly<Record<string, string>>;
}

const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers. reset reason: ';

function resetReply(flag: ResponseFlag, reason: ResetReason, transportFailureReason?: string): LocalReply {
  const suffix = transportFailureReason ? `, transport failure reason: ${transportFailureReason}` : '';
  return {
    status: reason === 'protocol error' ? 502 : 503,
    body: `${RESET_PREFIX}${reason}${suffix}`,
    flag,
    details: `upstream_reset_before_response_started{${reason.replace(/ /g, '_')}}`,
  };
}

/** The local reply Envoy sends for a response flag. */
export function localReplyForFlag(flag: ResponseFlag, opts: { resetReason?: ResetReason; transportFailureReason?: string } = {}): LocalReply {
  switch (flag) {
    case 'NR':
      return { status: 404, body: '', flag, details: 'route_not_found' };
    case 'NC':
      return { status: 503, body: '', flag, details: 'cluster_not_found' };
    case 'UH':
      return { status: 503, body: 'no healthy upstream', flag, details: 'no_healthy_upstream' };
    case 'UO':
      return resetReply(flag, opts.resetReason ?? 'overflow');
    case 'UF':
      return resetReply(flag, opts.resetReason ?? 'connection failure', opts.transportFailureReason);
    case 'UR':
      return resetReply(flag, opts.resetReason ?? 'remote reset');
    case 'UC':
      return resetReply(flag, opts.resetReason ?? 'connection termination');
    case 'UPE':
      return resetReply(flag, 'protocol error');
    case 'LR':
      return resetReply(flag, 'local reset');
    case 'UT':
      return { status: 504, body: 'upstream request timeout', flag, details: 'upstream_response_timeout' };
    case 'UMSDR':
      return { status: 408, body: 'upstream max stream duration reached', flag, details: 'upstream_max_stream_duration_reached' };
    case 'SI':
      return { status: 408, body: 'stream timeout', flag, details: 'stream_idle_timeout' };
    case 'DT':
      return { status: 408, body: 'request timeout', flag, details: 'duration_timeout' };
    case 'DC':
      return { status: 0, body: '', flag, details: 'downstream_remote_disconnect' };
    case 'FI':
      return { status: 503, body: 'fault filter abort', flag, details: 'fault_filter_abort' };
    case 'DI':
      return { status: 503, body: '', flag, details: 'fault_filter_delay' };
    case 'RL':
      return { status: 429, body: 'local_rate_limited', flag, details: 'local_rate_limited' };
    case 'RLSE':
      return { status: 500, body: '', flag, details: 'rate_limiter_error' };
    case 'UAEX':
      return { status: 403, body: '', flag, details: 'ext_authz_denied' };
    case 'IH':
      return { status: 400, body: 'invalid envoy request headers', flag, details: 'request_headers_failed_strict_check' };
    case 'DPE':
      return { status: 400, body: 'Bad Request', flag, details: 'codec_error' };
    case 'OM':
      return { status: 503, body: 'envoy overloaded', flag, details: 'overload' };
    case 'DF':
      return { status: 503, body: 'dns resolution failure', flag, details: 'dns_resolution_failure' };
    case 'DO':
      return { status: 503, body: 'drop overload', flag, details: 'drop_overload' };
    case 'LH':
      return { status: 503, body: '', flag, details: 'failed_local_health_check' };
    case 'URX':
      return resetReply(flag, 'connection failure');
  }
}

/** RBAC denial: 403 with Envoy's body. Envoy has no response flag for it; the details say why. */
export function rbacDeniedReply(policy = 'none'): LocalReply {
  return { status: 403, body: 'RBAC: access denied', details: `rbac_access_denied_matched_policy[${policy}]` };
}

/** Upgrade (e.g. WebSocket) requested but not enabled on the HCM or route. */
export function upgradeRefusedReply(): LocalReply {
  return { status: 403, body: '', details: 'upgrade_failed' };
}

// Node socket error codes, for errors that reach us without a flag (a bug upstream, or a raw
// socket error): still answer the way Envoy would for the same failure.
const CONNECT_FAILURE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const TERMINATION_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

/**
 * Maps anything thrown on the request path to a local reply. Errors carrying a `flag` (the
 * upstream layer's typed errors, DataPlaneError) map by flag; raw socket errors by code;
 * anything else is a bug and becomes a 500 (the caller logs it).
 */
export function localReplyForError(err: unknown): LocalReply {
  if (err instanceof DataPlaneError) {
    return localReplyForFlag(err.flag, { resetReason: err.resetReason, transportFailureReason: err.options.transportFailureReason });
  }
  if (typeof err === 'object' && err !== null) {
    const e = err as { flag?: unknown; responseFlag?: unknown; resetReason?: unknown; transportFailureReason?: unknown; code?: unknown };
    const flag = isResponseFlag(e.flag) ? e.flag : isResponseFlag(e.responseFlag) ? e.responseFlag : undefined;
    if (flag) {
      return localReplyForFlag(flag, {
        resetReason: typeof e.resetReason === 'string' ? (e.resetReason as ResetReason) : undefined,
        transportFailureReason: typeof e.transportFailureReason === 'string' ? e.transportFailureReason : undefined,
      });
    }
    if (typeof e.code === 'string') {
      if (CONNECT_FAILURE_CODES.has(e.code)) return localReplyForFlag('UF');
      if (TERMINATION_CODES.has(e.code)) return localReplyForFlag('UC');
      if (e.code.startsWith('ERR_HTTP2_STREAM')) return localReplyForFlag('UR');
    }
  }
  return { status: 500, body: 'internal error', details: 'internal_error' };
}
