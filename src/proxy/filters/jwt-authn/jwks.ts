import { createPublicKey, type KeyObject } from 'node:crypto';

/** One usable key of a JWKS, imported once when the config is parsed. */
export interface JwksKey {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  readonly kid?: string;
  /** The key's own `alg`, when the JWKS names one: tokens of another alg skip it. */
  readonly alg?: string;
  readonly crv?: string;
  /** Public key (RSA, EC, OKP) or HMAC secret (oct). */
  readonly key: KeyObject | Uint8Array;
}

/** A parsed JWKS: the keys that could be imported, and why the others could not. */
export interface ParsedJwks {
  readonly keys: readonly JwksKey[];
  /** Why keys were dropped (for a log line; Envoy also keeps only the valid keys). */
  readonly problems: readonly string[];
}

const EC_CURVES: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function importKey(jwk: Record<string, unknown>): JwksKey | string {
  const kty = jwk['kty'];
  if (kty === undefined) return '[kty] is missing in [keys]';
  if (typeof kty !== 'string') return '[kty] is bad in [keys]';
  const kid = str(jwk['kid']);
  const alg = str(jwk['alg']);
  const common = { ...(kid !== undefined ? { kid } : {}), ...(alg !== undefined ? { alg } : {}) };
  try {
    switch (kty) {
      case 'RSA':
        if (alg !== undefined && !alg.startsWith('RS') && !alg.startsWith('PS')) return '[alg] is not started with [RS] or [PS] for an RSA key';
        if (typeof jwk['n'] !== 'string' || typeof jwk['e'] !== 'string') return 'Jwks RSA [n] or [e] field is missing or has a parse error';
        return { kty, ...common, key: createPublicKey({ key: { kty, n: jwk['n'], e: jwk['e'] }, format: 'jwk' }) };
      case 'EC': {
        const crv = str(jwk['crv']) ?? (alg ? Object.keys(EC_CURVES).find((c) => EC_CURVES[c] === alg) : undefined);
        if (alg !== undefined && !alg.startsWith('ES')) return '[alg] is not started with [ES] for an EC key';
        if (!crv || !EC_CURVES[crv]) return '[crv] or [alg] field is not supported for an EC key';
        if (alg !== undefined && EC_CURVES[crv] !== alg) return '[crv] field specified is not compatible with [alg] for an EC key';
        if (typeof jwk['x'] !== 'string' || typeof jwk['y'] !== 'string') return '[x] or [y] field is missing for an EC key';
        return { kty, ...common, crv, key: createPublicKey({ key: { kty, crv, x: jwk['x'], y: jwk['y'] }, format: 'jwk' }) };
      }
      case 'OKP': {
        if (alg !== undefined && alg !== 'EdDSA') return '[alg] is not [EdDSA] for an OKP key';
        const crv = str(jwk['crv']);
        if (crv !== 'Ed25519') return '[crv] field is not supported for an OKP key';
        if (typeof jwk['x'] !== 'string') return '[x] field is missing for an OKP key';
        return { kty, ...common, crv, key: createPublicKey({ key: { kty, crv, x: jwk['x'] }, format: 'jwk' }) };
      }
      case 'oct': {
        if (alg !== undefined && !alg.startsWith('HS')) return '[alg] does not start with [HS] for an HMAC key';
        const k = jwk['k'];
        if (typeof k !== 'string') return '[k] field is missing for an HMAC key';
        if (!/^[A-Za-z0-9_-]*={0,2}$/.test(k)) return 'Jwks Oct key is an invalid Base64';
        return { kty, ...common, key: new Uint8Array(Buffer.from(k, 'base64url')) };
      }
      default:
        return '[kty] is not supported in [keys]';
    }
  } catch (err) {
    return `key cannot be imported: ${(err as Error).message}`;
  }
}

/**
 * Parses a JWKS document (or a single JWK) and imports every key once, so that requests only
 * verify. Keys that cannot be used are dropped with a reason, as Envoy drops them; a document
 * with no usable key makes every token fail with "Jwks doesn't have any valid public key".
 */
export function parseJwks(text: string): ParsedJwks {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { keys: [], problems: ['Jwks is an invalid JSON'] };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { keys: [], problems: ['Jwks is an invalid JSON'] };
  const obj = doc as Record<string, unknown>;
  const list = 'keys' in obj ? obj['keys'] : obj['kty'] !== undefined ? [obj] : undefined;
  if (list === undefined) return { keys: [], problems: ['Jwks does not have [keys] field'] };
  if (!Array.isArray(list)) return { keys: [], problems: ['[keys] in Jwks is not an array'] };
  const keys: JwksKey[] = [];
  const problems: string[] = [];
  list.forEach((k, i) => {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) {
      problems.push(`keys[${i}]: not an object`);
      return;
    }
    const imported = importKey(k as Record<string, unknown>);
    if (typeof imported === 'string') problems.push(`keys[${i}]: ${imported}`);
    else keys.push(imported);
  });
  if (keys.length === 0 && problems.length === 0) problems.push("Jwks doesn't have any valid public key");
  return { keys, problems };
}

/** Whether a key can check a token signed with `alg` (kty and curve agree, and the key's own alg if it has one). */
export function keyFitsAlg(key: JwksKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  switch (key.kty) {
    case 'RSA':
      return /^(RS|PS)(256|384|512)$/.test(alg);
    case 'EC':
      return key.crv !== undefined && EC_CURVES[key.crv] === alg;
    case 'OKP':
      return alg === 'EdDSA';
    case 'oct':
      return /^HS(256|384|512)$/.test(alg);
  }
}
