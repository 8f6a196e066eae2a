import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { CaRefusal } from './ca-refusal.js';
import { isValidIdentity, spiffeUri, type WorkloadIdentity } from './spiffe-id.js';

/** What a caller asks for when minting a bootstrap token. */
export interface MintTokenRequest {
  namespace: string;
  serviceAccount: string;
  /** Lifetime in seconds (default one hour). */
  ttl?: number;
  /**
   * The WorkloadEntry (in `namespace`) the token is for, with its uid: the token is revoked when
   * that entry is deleted (`plexus down`, the workload stopping), even if it is created again.
   */
  workload?: { name: string; uid: string };
}

/** The WorkloadEntry a token is bound to. */
export interface BoundWorkload {
  namespace: string;
  name: string;
  uid: string;
}

/** What a valid token proves: the identity, and the workload it was minted for, if any. */
export interface VerifiedToken {
  identity: WorkloadIdentity;
  workload?: BoundWorkload;
}

/** The claims inside a Plexus workload token. */
export interface WorkloadTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  td: string;
  ns: string;
  sa: string;
  iat: number;
  exp: number;
  jti: string;
  /** Name of the WorkloadEntry the token was minted for (same namespace). */
  wl?: string;
  /** That WorkloadEntry's uid at minting: a re-created entry is another workload. */
  wluid?: string;
}

/** Audience of workload tokens; Istio's agents use the same word for theirs. */
export const TOKEN_AUDIENCE = 'istio-ca';
const DEFAULT_TTL_SECONDS = 3600;

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Mints and verifies the bearer tokens that bind a workload to its namespace and service account.
 * They are JWTs (HS256) so that standard tools can read them; the HMAC key lives in the CA state
 * dir and never leaves the controller, so only this CA can mint or check them. The key id in the
 * header tells a token of another CA ("foreign") from a forged one ("bad signature").
 */
export class WorkloadTokenAuthority {
  private readonly keyId: string;

  private constructor(private readonly secret: Buffer, readonly trustDomain: string) {
    this.keyId = createHash('sha256').update(secret).digest('hex').slice(0, 16);
  }

  /** Loads the HMAC key from `path` (mode 0600), creating it on first use. */
  static open(path: string, trustDomain: string): WorkloadTokenAuthority {
    if (!existsSync(path)) writeFileAtomic(path, `${randomBytes(32).toString('base64')}\n`, 0o600);
    const secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    return new WorkloadTokenAuthority(secret, trustDomain);
  }

  /** An in-memory authority (tests, benchmarks): a fresh random key. */
  static ephemeral(trustDomain: string): WorkloadTokenAuthority {
    return new WorkloadTokenAuthority(randomBytes(32), trustDomain);
  }

  /** Mints a token for namespace/serviceAccount in this CA's trust domain. */
  mint(req: MintTokenRequest, now = Date.now()): string {
    const identity = { trustDomain: this.trustDomain, namespace: req.namespace, serviceAccount: req.serviceAccount };
    if (!isValidIdentity(identity)) throw new CaRefusal('malformed-token', `not a valid namespace/service account: ${req.namespace}/${req.serviceAccount}`);
    const iat = Math.floor(now / 1000);
    const claims: WorkloadTokenClaims = {
      iss: `plexus-ca/${this.trustDomain}`,
      aud: TOKEN_AUDIENCE,
      sub: spiffeUri(identity),
      td: this.trustDomain,
      ns: req.namespace,
      sa: req.serviceAccount,
      iat,
      exp: iat + Math.max(1, Math.round(req.ttl ?? DEFAULT_TTL_SECONDS)),
      jti: randomUUID(),
      ...(req.workload ? { wl: req.workload.name, wluid: req.workload.uid } : {}),
    };
    const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: this.keyId }))}.${b64url(JSON.stringify(claims))}`;
    return `${signingInput}.${this.sign(signingInput).toString('base64url')}`;
  }

  /** Verifies a token and returns the identity it is bound to; throws CaRefusal naming the reason. */
  verify(token: string, now = Date.now()): WorkloadIdentity {
    return this.verifyToken(token, now).identity;
  }

  /** Verifies a token: the identity and the workload it is bound to; throws CaRefusal naming the reason. */
  verifyToken(token: string, now = Date.now()): VerifiedToken {
    const parts = token.split('.');
    if (parts.length !== 3) throw new CaRefusal('malformed-token', 'bearer token is not a JWT');
    const header = parseJson(parts[0]) as { alg?: unknown; kid?: unknown } | undefined;
    if (!header || header.alg !== 'HS256') throw new CaRefusal('malformed-token', 'bearer token header is not an HS256 JWT header');
    if (header.kid !== this.keyId) throw new CaRefusal('foreign-issuer', 'bearer token was issued by another CA');
    const expected = this.sign(`${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CaRefusal('bad-signature', 'bearer token signature is invalid');
    const claims = parseJson(parts[1]) as Partial<WorkloadTokenClaims> | undefined;
    if (!claims || typeof claims.exp !== 'number' || typeof claims.ns !== 'string' || typeof claims.sa !== 'string' || typeof claims.td !== 'string') {
      throw new CaRefusal('malformed-token', 'bearer token claims are incomplete');
    }
    if (claims.td !== this.trustDomain) throw new CaRefusal('foreign-trust-domain', `bearer token is for trust domain ${claims.td}, this CA serves ${this.trustDomain}`);
    if (claims.aud !== TOKEN_AUDIENCE) throw new CaRefusal('malformed-token', `bearer token audience is ${String(claims.aud)}, want ${TOKEN_AUDIENCE}`);
    if (claims.exp * 1000 <= now) throw new CaRefusal('expired', `bearer token expired at ${new Date(claims.exp * 1000).toISOString()}`);
    const identity = { trustDomain: claims.td, namespace: claims.ns, serviceAccount: claims.sa };
    if (!isValidIdentity(identity)) throw new CaRefusal('malformed-token', 'bearer token names an invalid namespace or service account');
    if (claims.wl === undefined && claims.wluid === undefined) return { identity };
    if (typeof claims.wl !== 'string' || typeof claims.wluid !== 'string' || claims.wl === '' || claims.wluid === '') throw new CaRefusal('malformed-token', 'bearer token names its workload incompletely');
    return { identity, workload: { namespace: claims.ns, name: claims.wl, uid: claims.wluid } };
  }

  private sign(input: string): Buffer {
    return createHmac('sha256', this.secret).update(input).digest();
  }
}

function parseJson(part: string): unknown {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
