import type protobuf from 'protobufjs';
import { getHeader } from '../../http/header-map.js';
import type { HttpUpstream } from '../../http/upstream-port.js';
import { proxyProtoRootWith } from '../../xds-client/proto-root.js';
import { jsonToStruct, structToJson } from '../../xds-client/struct-json.js';
import { authzExchange } from './authz-exchange.js';
import type { CheckClient, CheckInput, CheckPeer, CheckResult, HeaderAction, HeaderChange } from './check-types.js';
import type { GrpcAuthzService } from './config.js';
import type { HeaderLists } from './http-check-client.js';

const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: String, defaults: false, arrays: true };
/** `HeaderValueOption.append_action` by number. */
const APPEND_ACTIONS: readonly HeaderAction[] = ['append', 'add-if-absent', 'overwrite', 'overwrite-if-exists'];

interface CheckTypes {
  readonly request: protobuf.Type;
  readonly response: protobuf.Type;
}

let types: CheckTypes | undefined;

/** The CheckRequest/CheckResponse types, from the proxy's proto root (loaded once). */
function checkTypes(): CheckTypes {
  types ??= {
    request: proxyProtoRootWith('envoy.service.auth.v3.CheckRequest').lookupType('envoy.service.auth.v3.CheckRequest'),
    response: proxyProtoRootWith('envoy.service.auth.v3.CheckResponse').lookupType('envoy.service.auth.v3.CheckResponse'),
  };
  return types;
}

function peer(p: CheckPeer): Record<string, unknown> {
  const out: Record<string, unknown> = { address: { socket_address: { address: p.address, port_value: p.port } } };
  if (p.principal) out['principal'] = p.principal;
  if (p.certificate) out['certificate'] = p.certificate;
  return out;
}

function headerChanges(raw: unknown, defaultAction: HeaderAction): HeaderChange[] {
  if (!Array.isArray(raw)) return [];
  const out: HeaderChange[] = [];
  for (const opt of raw as Record<string, unknown>[]) {
    const header = opt['header'] as { key?: string; value?: string; raw_value?: string } | undefined;
    const name = header?.key?.toLowerCase();
    if (!name) continue;
    const value = header?.value ?? (header?.raw_value !== undefined ? Buffer.from(header.raw_value, 'base64').toString('latin1') : '');
    const append = opt['append'] as { value?: boolean } | undefined;
    let action = defaultAction;
    // In ext_authz answers `append` defaults to false (overwrite); append_action applies when append is unset.
    if (append !== undefined) action = append.value === true ? 'append' : 'overwrite';
    else if (typeof opt['append_action'] === 'number') action = APPEND_ACTIONS[opt['append_action']] ?? defaultAction;
    out.push({ name, value, action });
  }
  return out;
}

/** The first message of a gRPC response body (5-byte length-prefixed frames), or an error reason. */
function firstMessage(body: Buffer): Buffer | string {
  if (body.length < 5) return 'no response message';
  if (body[0] !== 0) return 'compressed response messages are not supported';
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) return 'truncated response message';
  return body.subarray(5, 5 + len);
}

/**
 * Envoy's ext_authz client for `envoy.service.auth.v3.Authorization/Check` over `envoy_grpc`.
 *
 * The call goes through the proxy's own upstream layer as an HTTP/2 request with gRPC
 * framing, not through a @grpc/grpc-js channel: that keeps one upstream implementation, so the
 * authorization cluster is an ordinary cluster (endpoints from EDS, load balancing, circuit
 * breakers, outlier detection and the mesh's mTLS to the server's sidecar all apply), exactly
 * as Envoy's own `envoy_grpc` client uses the cluster manager. The cluster must speak HTTP/2
 * (istiod sends gRPC ports that way); a unary call needs nothing else from gRPC.
 */
export function createGrpcCheckClient(service: GrpcAuthzService, lists: HeaderLists, upstream: HttpUpstream, speaksH2: (cluster: string) => boolean = () => true): CheckClient {
  const sendHeader = (name: string): boolean => {
    if (lists.disallowedHeaders?.(name)) return false;
    // gRPC servers get every header unless a list narrows them (Envoy's legacy default).
    return lists.allowedHeaders ? lists.allowedHeaders(name) : true;
  };
  const metadata: Record<string, string> = {};
  for (const [k, v] of service.initialMetadata) metadata[k] = v;

  return {
    async check(input: CheckInput): Promise<CheckResult> {
      // A gRPC call over HTTP/1.1 cannot work; say so instead of letting the server reject it.
      if (!speaksH2(service.cluster)) return { kind: 'error', reason: `cluster ${service.cluster} is not configured for HTTP/2, which gRPC needs` };
      const { request: requestType, response: responseType } = checkTypes();
      const headers: Record<string, string> = {};
      const pseudo: [string, string][] = [
        [':authority', input.authority],
        [':method', input.method],
        [':path', input.path],
        [':scheme', input.scheme],
      ];
      for (const [k, v] of pseudo) if (sendHeader(k)) headers[k] = v;
      // Envoy keeps the host as :authority only; a `host` entry would say it twice.
      for (const name in input.headers) if (name !== 'host' && sendHeader(name)) headers[name] = getHeader(input.headers, name)!;
      const cl = getHeader(input.headers, 'content-length');
      const http: Record<string, unknown> = {
        method: input.method,
        path: input.path,
        host: input.authority,
        scheme: input.scheme,
        protocol: input.protocol,
        headers,
        size: cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : -1,
      };
      if (input.requestId) http['id'] = input.requestId;
      if (input.body) {
        headers['x-envoy-auth-partial-body'] = input.body.partial ? 'true' : 'false';
        if (input.body.packAsBytes) http['raw_body'] = input.body.bytes;
        else http['body'] = input.body.bytes.toString('utf8');
      }
      const now = Date.now();
      const attributes: Record<string, unknown> = {
        source: peer(input.source),
        destination: peer(input.destination),
        request: { time: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 }, http },
        context_extensions: input.contextExtensions,
      };
      if (input.metadataContext) {
        const filterMetadata: Record<string, unknown> = {};
        for (const [ns, value] of Object.entries(input.metadataContext)) filterMetadata[ns] = jsonToStruct(value);
        attributes['metadata_context'] = { filter_metadata: filterMetadata };
      }
      if (input.sni) attributes['tls_session'] = { sni: input.sni };
      const message = Buffer.from(requestType.encode(requestType.fromObject({ attributes })).finish());
      const frame = Buffer.allocUnsafe(5 + message.length);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);

      const callHeaders: Record<string, string> = { ...metadata, host: service.authority, 'content-type': 'application/grpc', te: 'trailers' };
      if (service.timeoutMs > 0) callHeaders['grpc-timeout'] = `${service.timeoutMs}m`;
      const res = await authzExchange(
        upstream,
        { cluster: service.cluster, method: 'POST', path: CHECK_PATH, headers: callHeaders, body: frame, timeoutMs: service.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES },
        { ...input.pick, downstreamProtocol: 'h2' },
        input.signal,
      );
      if ('error' in res) return { kind: 'error', reason: res.error };
      if (res.status !== 200) return { kind: 'error', reason: `http ${res.status}` };
      const grpcStatus = res.trailers['grpc-status'] ?? res.headers['grpc-status'];
      if (grpcStatus === undefined) return { kind: 'error', reason: 'no grpc-status' };
      if (String(grpcStatus) !== '0') return { kind: 'error', reason: `grpc ${String(grpcStatus)}` };
      const bytes = firstMessage(res.body);
      if (typeof bytes === 'string') return { kind: 'error', reason: bytes };
      let decoded: Record<string, unknown>;
      try {
        decoded = responseType.toObject(responseType.decode(bytes), DECODE_OPTIONS);
      } catch (err) {
        return { kind: 'error', reason: `bad CheckResponse: ${(err as Error).message}` };
      }
      const code = (decoded['status'] as { code?: number } | undefined)?.code ?? 0;
      const dynamicMetadata = decoded['dynamic_metadata'] !== undefined ? structToJson(decoded['dynamic_metadata']) : undefined;
      if (code === 0) {
        const ok = (decoded['ok_response'] ?? {}) as Record<string, unknown>;
        const remove = Array.isArray(ok['headers_to_remove']) ? (ok['headers_to_remove'] as string[]).map((h) => h.toLowerCase()).filter((h) => !h.startsWith(':') && h !== 'host') : [];
        const querySet = Array.isArray(ok['query_parameters_to_set'])
          ? (ok['query_parameters_to_set'] as { key?: string; value?: string }[]).filter((q) => q.key).map((q) => [q.key!, q.value ?? ''] as const)
          : undefined;
        const queryRemove = Array.isArray(ok['query_parameters_to_remove']) ? (ok['query_parameters_to_remove'] as string[]) : undefined;
        return {
          kind: 'ok',
          requestHeaders: headerChanges(ok['headers'], 'overwrite'),
          removeRequestHeaders: remove,
          responseHeaders: headerChanges(ok['response_headers_to_add'], 'overwrite'),
          querySet,
          queryRemove,
          dynamicMetadata,
        };
      }
      const denied = (decoded['denied_response'] ?? {}) as Record<string, unknown>;
      const status = (denied['status'] as { code?: number } | undefined)?.code;
      return {
        kind: 'denied',
        status: status && status >= 100 && status <= 599 ? status : 403,
        headers: headerChanges(denied['headers'], 'overwrite'),
        body: typeof denied['body'] === 'string' ? denied['body'] : '',
        dynamicMetadata,
      };
    },
  };
}
