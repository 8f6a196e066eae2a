import { JWT_STATUS, type JwtStatus } from './status.js';

/** Algorithms Envoy's jwt_authn verifies. `none` and anything else is refused. */
export const SUPPORTED_ALGS: ReadonlySet<string> = new Set([
  'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA',
]);

/** A token whose structure and registered claims were checked; the signature is not yet. */
export interface ParsedJwt {
  /** The compact serialisation as extracted. */
  readonly token: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The payload segment as sent (base64url without padding), for `forward_payload_header`. */
  readonly payloadB64: string;
  readonly alg: string;
  readonly kid?: string;
  /** `iss`, empty when absent. */
  readonly iss: string;
  readonly audiences: readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

function decodeSegment(segment: string): Buffer | undefined {
  return B64URL.test(segment) ? Buffer.from(segment, 'base64url') : undefined;
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Parses a compact JWS as Envoy's jwt_verify_lib does, with its checks and its order: three
 * segments, header (alg, kid), payload (iss, sub, iat, nbf, exp, jti, aud types), signature
 * encoding. Returns the failure status instead of throwing.
 */
export function parseJwt(token: string): ParsedJwt | JwtStatus {
  const parts = token.split('.');
  if (parts.length !== 3) return JWT_STATUS.badFormat;
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = decodeSegment(h);
  if (!headerBytes || h === '') return JWT_STATUS.headerBadBase64;
  const header = jsonObject(headerBytes);
  if (!header) return JWT_STATUS.headerBadJson;
  const alg = header['alg'];
  if (typeof alg !== 'string') return JWT_STATUS.headerBadAlg;
  if (!SUPPORTED_ALGS.has(alg)) return JWT_STATUS.headerAlgNotImplemented;
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return JWT_STATUS.headerBadKid;
  const payloadBytes = decodeSegment(p);
  if (!payloadBytes || p === '') return JWT_STATUS.payloadBadBase64;
  const payload = jsonObject(payloadBytes);
  if (!payload) return JWT_STATUS.payloadBadJson;
  const iss = payload['iss'];
  if (iss !== undefined && typeof iss !== 'string') return JWT_STATUS.issNotString;
  if (payload['sub'] !== undefined && typeof payload['sub'] !== 'string') return JWT_STATUS.subNotString;
  const iat = payload['iat'];
  if (iat !== undefined && !(typeof iat === 'number' && Number.isInteger(iat))) return JWT_STATUS.iatNotInteger;
  if (typeof iat === 'number' && iat < 0) return JWT_STATUS.iatOutOfRange;
  if (payload['nbf'] !== undefined && !isUint(payload['nbf'])) return JWT_STATUS.nbfNotInteger;
  if (payload['exp'] !== undefined && !isUint(payload['exp'])) return JWT_STATUS.expNotInteger;
  if (payload['jti'] !== undefined && typeof payload['jti'] !== 'string') return JWT_STATUS.jtiNotString;
  const aud = payload['aud'];
  let audiences: string[] = [];
  if (typeof aud === 'string') audiences = [aud];
  else if (Array.isArray(aud)) {
    if (!aud.every((a): a is string => typeof a === 'string')) return JWT_STATUS.audNotString;
    audiences = aud;
  } else if (aud !== undefined) return JWT_STATUS.audNotString;
  const signature = decodeSegment(s);
  if (!signature || s === '') return JWT_STATUS.signatureBadBase64;
  if (alg === 'EdDSA' && signature.length !== 64) return JWT_STATUS.ed25519SignatureWrongLength;
  return {
    token,
    header,
    payload,
    payloadB64: p,
    alg,
    ...(typeof kid === 'string' ? { kid } : {}),
    iss: typeof iss === 'string' ? iss : '',
    audiences,
    ...(isUint(payload['exp']) ? { exp: payload['exp'] } : {}),
    ...(isUint(payload['nbf']) ? { nbf: payload['nbf'] } : {}),
  };
}

/**
 * Envoy's time check: not before `nbf - skew`, not after `exp + skew` (seconds). A token
 * without `exp` does not expire (Envoy's default, `require_expiration` off).
 */
export function checkTime(jwt: ParsedJwt, nowSeconds: number, skewSeconds: number): JwtStatus {
  if (jwt.nbf !== undefined && nowSeconds + skewSeconds < jwt.nbf) return JWT_STATUS.notYetValid;
  if (jwt.exp !== undefined && jwt.exp !== 0 && nowSeconds > jwt.exp + skewSeconds) return JWT_STATUS.expired;
  return JWT_STATUS.ok;
}

function normaliseAudience(a: string): string {
  let v = a;
  if (v.startsWith('http://')) v = v.slice(7);
  else if (v.startsWith('https://')) v = v.slice(8);
  while (v.endsWith('/')) v = v.slice(0, -1);
  return v;
}

/**
 * jwt_verify_lib's audience check: no configured audiences allows any token; otherwise one of
 * the token's audiences must be configured, compared without an http(s):// scheme or trailing
 * slashes.
 */
export function audienceChecker(configured: readonly string[]): (audiences: readonly string[]) => boolean {
  if (configured.length === 0) return () => true;
  const allowed = new Set(configured.map(normaliseAudience));
  return (audiences) => audiences.some((a) => allowed.has(normaliseAudience(a)));
}
