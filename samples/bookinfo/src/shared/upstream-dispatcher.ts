import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

/** Whether the environment names an explicit HTTP proxy (either spelling, as curl accepts). */
export function explicitProxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.HTTP_PROXY || env.http_proxy || env.HTTPS_PROXY || env.https_proxy);
}

/**
 * The dispatcher for outbound calls. With `HTTP_PROXY` set (Plexus's explicit mode, where no
 * iptables capture exists) calls go to the sidecar as plain HTTP/1.1 proxy requests in
 * absolute form rather than CONNECT tunnels, so the sidecar sees method, path and headers
 * and can route on them (`end-user: jason`) exactly as it would with transparent capture.
 * `NO_PROXY` is honoured. Without a proxy, a plain keep-alive agent.
 */
export function createUpstreamDispatcher(env: NodeJS.ProcessEnv = process.env): Dispatcher {
  if (!explicitProxyConfigured(env)) return new Agent({ keepAliveTimeout: 4_000 });
  return new EnvHttpProxyAgent({
    httpProxy: env.HTTP_PROXY || env.http_proxy || undefined,
    httpsProxy: env.HTTPS_PROXY || env.https_proxy || undefined,
    noProxy: env.NO_PROXY ?? env.no_proxy,
    proxyTunnel: false,
    keepAliveTimeout: 4_000,
  });
}
