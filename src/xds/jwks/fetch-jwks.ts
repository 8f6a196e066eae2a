import { PlexusError } from '../../api/errors.js';

/** Documents larger than this are refused: a JWKS is a few KB, and the controller's memory is shared. */
export const MAX_JWKS_BYTES = 1024 * 1024;

async function readCapped(res: Response, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_JWKS_BYTES) throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: response of ${declared} bytes exceeds ${MAX_JWKS_BYTES}`);
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_JWKS_BYTES) throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: response exceeds ${MAX_JWKS_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One GET with a deadline; anything but 200 is a failure naming the URL. */
export async function fetchDocument(url: string, timeoutMs: number): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${JSON.stringify(url)} is not a URL (it needs http:// or https://)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: scheme ${parsed.protocol} is not supported (http:// or https://)`);
  let res: Response;
  try {
    res = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow', headers: { accept: 'application/json' } });
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message);
    throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: ${why}`, { cause: err });
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: unsuccessful response status ${res.status}`);
  }
  return readCapped(res, url);
}

/** Retries a fetch a few times with a short backoff, as istiod does on its main flow. */
export async function fetchWithRetry(url: string, timeoutMs: number, attempts: number): Promise<string> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fetchDocument(url, timeoutMs);
    } catch (err) {
      last = err;
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, 50 * 2 ** i).unref());
    }
  }
  throw last;
}

/** Checks that a fetched document is a JWKS (an object with a `keys` array); the reason when not. */
export function jwksProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'the response is not JSON';
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) return 'the response has no "keys" array';
  return undefined;
}

/**
 * OpenID discovery, as istiod does when a rule names only an issuer: the `jwks_uri` of
 * `<issuer>/.well-known/openid-configuration`.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number, attempts: number): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const text = await fetchWithRetry(url, timeoutMs, attempts);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: the OpenID configuration is not JSON`);
  }
  const uri = (doc as { jwks_uri?: unknown } | null)?.jwks_uri;
  if (typeof uri !== 'string' || uri === '') throw new PlexusError('PLEXUS_ERR_JWKS_FETCH', `${url}: the OpenID configuration has no jwks_uri`);
  return uri;
}
