import type { IncomingHttpHeaders } from 'node:http';
import { getHeader } from '../../http/header-map.js';
import type { HttpUpstream } from '../../http/upstream-port.js';
import { authzExchange } from './authz-exchange.js';
import type { CheckClient, CheckInput, CheckResult, HeaderChange } from './check-types.js';
import type { HttpAuthzService } from './config.js';
import type { HeaderNamePredicate } from './header-name-list.js';

/** Headers every HTTP check request carries, besides the configured ones (Envoy's list; method, path and host travel on their own). */
const ALWAYS_SENT = new Set(['authorization']);
/** Names in the server's answer that describe that answer, never something to pass on. */
const NOT_PASSED_ON = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'http2-settings']);
/** Sent to the client on a denial even when `allowed_client_headers` leaves them out (Envoy's additions). */
const ALWAYS_TO_CLIENT = new Set(['www-authenticate', 'location']);
/** The server lists request headers to drop here (Envoy's convention for HTTP authorization servers). */
const HEADERS_TO_REMOVE = 'x-envoy-auth-headers-to-remove';
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Filter-level header lists that apply to both transports. */
export interface HeaderLists {
  readonly allowedHeaders?: HeaderNamePredicate;
  readonly disallowedHeaders?: HeaderNamePredicate;
}

function valuesOf(v: string | string[] | undefined): readonly string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function pick(headers: IncomingHttpHeaders, list: HeaderNamePredicate | undefined, action: HeaderChange['action'], out: HeaderChange[]): void {
  if (!list) return;
  for (const name in headers) {
    if (NOT_PASSED_ON.has(name) || !list(name)) continue;
    for (const value of valuesOf(headers[name])) out.push({ name, value, action });
  }
}

/**
 * Envoy's ext_authz client for an HTTP authorization server: the check request copies the
 * client's method and path (behind `path_prefix`), its host, `authorization` and the allowed
 * headers, with an empty body unless `with_request_body` buffered one. 200 allows (allowed
 * headers of the answer go upstream), 5xx or no answer is an error, anything else denies with
 * the server's status, body and headers.
 */
export function createHttpCheckClient(service: HttpAuthzService, lists: HeaderLists, upstream: HttpUpstream): CheckClient {
  const allowed = (name: string): boolean => {
    if (lists.disallowedHeaders?.(name)) return false;
    return ALWAYS_SENT.has(name) || lists.allowedHeaders?.(name) === true || service.requestAllowedHeaders?.(name) === true;
  };
  return {
    async check(input: CheckInput): Promise<CheckResult> {
      const headers: Record<string, string> = {};
      for (const name in input.headers) {
        if (name === 'content-length' || name === 'host' || !allowed(name)) continue;
        headers[name] = getHeader(input.headers, name)!;
      }
      headers['host'] = input.authority;
      const body = input.body?.bytes;
      headers['content-length'] = String(body?.length ?? 0);
      if (input.body) headers['x-envoy-auth-partial-body'] = input.body.partial ? 'true' : 'false';
      for (const [name, value] of service.headersToAdd) headers[name] = value;

      const res = await authzExchange(
        upstream,
        { cluster: service.cluster, method: input.method, path: service.pathPrefix + input.path, headers, body, timeoutMs: service.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES },
        input.pick,
        input.signal,
      );
      if ('error' in res) return { kind: 'error', reason: res.error };
      if (res.status >= 500) return { kind: 'error', reason: `http ${res.status}` };
      if (res.status === 200) {
        const requestHeaders: HeaderChange[] = [];
        pick(res.headers, service.allowedUpstreamHeaders, 'overwrite', requestHeaders);
        pick(res.headers, service.allowedUpstreamHeadersToAppend, 'append', requestHeaders);
        const responseHeaders: HeaderChange[] = [];
        pick(res.headers, service.allowedClientHeadersOnSuccess, 'overwrite', responseHeaders);
        const remove = valuesOf(res.headers[HEADERS_TO_REMOVE])
          .flatMap((v) => v.split(','))
          .map((s) => s.trim().toLowerCase())
          .filter((s) => s !== '' && !s.startsWith(':') && s !== 'host');
        let dynamicMetadata: Record<string, unknown> | undefined;
        if (service.dynamicMetadataFromHeaders) {
          for (const name in res.headers) {
            if (!service.dynamicMetadataFromHeaders(name)) continue;
            (dynamicMetadata ??= {})[name] = valuesOf(res.headers[name]).join(',');
          }
        }
        return { kind: 'ok', requestHeaders, removeRequestHeaders: remove, responseHeaders, dynamicMetadata };
      }
      const clientHeaders: HeaderChange[] = [];
      const toClient = service.allowedClientHeaders;
      for (const name in res.headers) {
        if (NOT_PASSED_ON.has(name)) continue;
        if (toClient && !toClient(name) && !ALWAYS_TO_CLIENT.has(name)) continue;
        for (const value of valuesOf(res.headers[name])) clientHeaders.push({ name, value, action: 'append' });
      }
      return { kind: 'denied', status: res.status, headers: clientHeaders, body: res.body.toString('utf8') };
    },
  };
}
