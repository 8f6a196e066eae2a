import { appendHeader, type HeaderMap } from '../../http/header-map.js';
import type { JwtProviderConfig } from './config.js';
import { removeQueryParam, type ExtractedToken } from './extractor.js';
import { keyFitsAlg } from './jwks.js';
import { JWT_STATUS, type JwtStatus } from './status.js';
import { audienceChecker, checkTime, parseJwt, type ParsedJwt } from './token.js';

/** One request as the authenticators see and change it. */
export interface JwtRequestState {
  readonly headers: HeaderMap;
  /** `:path`; rewritten when a token taken from a query parameter is not forwarded. */
  path: string;
  /** `payload_in_metadata`/`header_in_metadata` values of verified tokens, published on success. */
  extracted: Record<string, unknown> | undefined;
  /** Set when a token of a provider with `clear_route_cache` verified (Envoy clears on a good JWT). */
  clearRouteCache: boolean;
}

/** The providers of one filter config, with what authenticators look up in them. */
export interface ProviderSet {
  /** In a stable order: the first provider with a token's issuer serves it. */
  readonly all: readonly JwtProviderConfig[];
  readonly audiences: ReadonlyMap<string, (aud: readonly string[]) => boolean>;
  /** Seconds since the epoch; tests substitute a clock. */
  now(): number;
}

/** How one authenticator runs: for a named provider, or by issuer for allow_missing(_or_failed). */
export interface AuthenticatorOptions {
  readonly provider?: JwtProviderConfig;
  /** `provider_and_audiences`: these audiences instead of the provider's. */
  readonly audiences?: (aud: readonly string[]) => boolean;
  readonly allowFailed: boolean;
  readonly allowMissing: boolean;
}

/** Builds the provider set of a config. */
export function providerSet(providers: Iterable<JwtProviderConfig>, now: () => number = () => Math.floor(Date.now() / 1000)): ProviderSet {
  const all = [...providers];
  return { all, audiences: new Map(all.map((p) => [p.name, audienceChecker(p.audiences)])), now };
}

function findByIssuer(set: ProviderSet, iss: string): JwtProviderConfig | undefined {
  return set.all.find((p) => p.issuer !== '' && p.issuer === iss) ?? set.all.find((p) => p.issuer === '');
}

/** `jose` costs ~8 MB of memory once loaded: only proxies that verify a token pay it. */
let jose: Promise<typeof import('jose')> | undefined;

async function verifySignature(jwt: ParsedJwt, provider: JwtProviderConfig): Promise<JwtStatus> {
  if (provider.jwks.keys.length === 0) return JWT_STATUS.jwksNoValidKeys;
  let matched = false;
  for (const key of provider.jwks.keys) {
    if (jwt.kid !== undefined && key.kid !== undefined && key.kid !== jwt.kid) continue;
    if (!keyFitsAlg(key, jwt.alg)) continue;
    matched = true;
    try {
      jose ??= import('jose');
      await (await jose).compactVerify(jwt.token, key.key, { algorithms: [jwt.alg] });
      return JWT_STATUS.ok;
    } catch {
      // Another key with the same kid/alg may still verify it.
    }
  }
  return matched ? JWT_STATUS.verificationFail : JWT_STATUS.jwksKidAlgMismatch;
}

function claimValue(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  let cur: unknown = payload;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

// Envoy prints whole non-negative numbers as integers and the rest as C's "%f".
function claimText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < 2 ** 64 ? BigInt(v).toString() : v.toFixed(6);
  if (typeof v === 'object' && v !== null) return Buffer.from(JSON.stringify(v)).toString('base64');
  return undefined;
}

function normalisedPayload(payload: Readonly<Record<string, unknown>>, claims: readonly string[]): Record<string, unknown> {
  if (claims.length === 0) return { ...payload };
  const out: Record<string, unknown> = { ...payload };
  for (const claim of claims) {
    const v = payload[claim];
    if (typeof v === 'string') out[claim] = v.split(' ').filter((s) => s !== '');
  }
  return out;
}

function handleGood(jwt: ParsedJwt, provider: JwtProviderConfig, from: ExtractedToken['from'], state: JwtRequestState): void {
  if (provider.forwardPayloadHeader) {
    let value = jwt.payloadB64;
    if (provider.padForwardPayloadHeader) value += '='.repeat((4 - (value.length % 4)) % 4);
    appendHeader(state.headers, provider.forwardPayloadHeader, value);
  }
  for (const c of provider.claimToHeaders) {
    const text = claimText(claimValue(jwt.payload, c.claimName));
    if (text) appendHeader(state.headers, c.headerName, text);
  }
  if (!provider.forward) {
    // Envoy removes the header or query parameter the token came in; cookies stay.
    if (from.kind === 'header') delete state.headers[from.name];
    else if (from.kind === 'param') state.path = removeQueryParam(state.path, from.name);
  }
  if (provider.headerInMetadata) (state.extracted ??= {})[provider.headerInMetadata] = { ...jwt.header };
  if (provider.payloadInMetadata) (state.extracted ??= {})[provider.payloadInMetadata] = normalisedPayload(jwt.payload, provider.spaceDelimitedClaims);
  if (provider.clearRouteCache) state.clearRouteCache = true;
}

async function verifyOne(t: ExtractedToken, opts: AuthenticatorOptions, set: ProviderSet, state: JwtRequestState): Promise<JwtStatus> {
  const jwt = parseJwt(t.token);
  if (typeof jwt === 'string') return jwt;
  if (!t.issuers.allows(jwt.iss)) return JWT_STATUS.unknownIssuer;
  const provider = opts.provider ?? findByIssuer(set, jwt.iss);
  if (!provider) return JWT_STATUS.unknownIssuer;
  const time = checkTime(jwt, set.now(), provider.clockSkewSeconds);
  if (time !== JWT_STATUS.ok) return time;
  const audiencesOk = opts.audiences ?? set.audiences.get(provider.name) ?? (() => true);
  if (!audiencesOk(jwt.audiences)) return JWT_STATUS.audienceNotAllowed;
  const sig = await verifySignature(jwt, provider);
  if (sig !== JWT_STATUS.ok) return sig;
  handleGood(jwt, provider, t.from, state);
  return JWT_STATUS.ok;
}

/**
 * Envoy's authenticator: verifies the extracted tokens last first. Every token must pass unless
 * failures or missing tokens are allowed, in which case all are tried and the last one decides
 * (allow_missing: a missing token passes; allow_missing_or_failed: everything passes).
 */
export async function authenticate(tokens: ExtractedToken[], opts: AuthenticatorOptions, set: ProviderSet, state: JwtRequestState): Promise<JwtStatus> {
  const pending = [...tokens];
  let status: JwtStatus = JWT_STATUS.missing;
  while (pending.length > 0) {
    status = await verifyOne(pending.pop()!, opts, set, state);
    if (status !== JWT_STATUS.ok && !opts.allowFailed && !opts.allowMissing) break;
  }
  if (opts.allowFailed) return JWT_STATUS.ok;
  if (opts.allowMissing && status === JWT_STATUS.missing) return JWT_STATUS.ok;
  return status;
}
