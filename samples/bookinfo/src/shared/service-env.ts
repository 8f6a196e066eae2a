/**
 * Settings every Bookinfo service reads from its environment. The services are configured
 * only by env so that `plexus run` (or a container runtime) can wire them without flags.
 */
export interface ServiceEnv {
  /** Port to listen on (`PORT`, default 9080; `0` picks a free one and prints it). */
  readonly port: number;
  /** Address to bind (`HOST`, default all interfaces, as Bookinfo's containers do). */
  readonly host: string;
  /** Version label of this instance (`SERVICE_VERSION`, default `v1`). */
  readonly version: string;
  /** Whether to log one line per request on stderr (`DEBUG` set to anything but empty/0/false). */
  readonly debug: boolean;
}

/** Default upstream base URLs: in the mesh these short names resolve through the sidecar's DNS proxy. */
export const DEFAULT_UPSTREAMS = {
  details: 'http://details:9080',
  reviews: 'http://reviews:9080',
  ratings: 'http://ratings:9080',
} as const;

/** Which upstream a service talks to. */
export type UpstreamName = keyof typeof DEFAULT_UPSTREAMS;

/** Reads the common settings, refusing values that would only fail later and obscurely. */
export function readServiceEnv(env: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const rawPort = env.PORT ?? '9080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`PORT must be an integer 0..65535, got ${JSON.stringify(rawPort)}`);
  const debugValue = (env.DEBUG ?? '').toLowerCase();
  return {
    port,
    host: env.HOST || '0.0.0.0',
    version: env.SERVICE_VERSION || 'v1',
    debug: debugValue !== '' && debugValue !== '0' && debugValue !== 'false',
  };
}

/**
 * Base URL of one upstream (`DETAILS_URL`, `REVIEWS_URL`, `RATINGS_URL`), without a trailing
 * slash so that callers can append `/details/0` and the like.
 */
export function upstreamUrl(name: UpstreamName, env: NodeJS.ProcessEnv = process.env): string {
  const raw = env[`${name.toUpperCase()}_URL`] || DEFAULT_UPSTREAMS[name];
  const url = new URL(raw); // throws early on a malformed value
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name.toUpperCase()}_URL must be http(s), got ${raw}`);
  return raw.replace(/\/+$/, '');
}

/**
 * Per-attempt timeout for upstream calls (`UPSTREAM_TIMEOUT_MS`), falling back to the
 * service's own Bookinfo default when unset.
 */
export function upstreamTimeoutMs(fallbackMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UPSTREAM_TIMEOUT_MS;
  if (raw === undefined || raw === '') return fallbackMs;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`UPSTREAM_TIMEOUT_MS must be a positive integer, got ${JSON.stringify(raw)}`);
  return ms;
}
