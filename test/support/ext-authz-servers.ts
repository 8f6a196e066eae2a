/**
 * In-process external authorization servers for the ext_authz tests: a real HTTP server and a
 * real @grpc/grpc-js server implementing envoy.service.auth.v3.Authorization/Check, both on
 * loopback port 0. Each records what it was asked and answers through a replaceable `respond`
 * function, so one server serves a whole table of cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { envoyProtoIncludeDirs } from '../../src/shared/envoy-proto-loader.js';

/** What the HTTP authorization server saw. */
export interface SeenHttpCheck {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** How the HTTP authorization server answers; `hang` never answers (timeouts). */
export type HttpAuthzAnswer = { readonly status: number; readonly headers?: http.OutgoingHttpHeaders; readonly body?: string } | 'hang';

/** A running HTTP authorization server. */
export interface HttpAuthzServer {
  readonly port: number;
  readonly seen: SeenHttpCheck[];
  respond: (check: SeenHttpCheck) => HttpAuthzAnswer;
  /** Checks answered with `hang` whose connection is still open. */
  pending(): number;
  close(): Promise<void>;
}

/** Default decision: `x-ext-authz: allow` allows, anything else is a 403 with a body. */
export function defaultHttpDecision(check: SeenHttpCheck): HttpAuthzAnswer {
  if (check.headers['x-ext-authz'] === 'allow') return { status: 200, headers: { 'x-ext-authz-check-result': 'allowed' } };
  return { status: 403, headers: { 'x-ext-authz-check-result': 'denied', 'content-type': 'text/plain' }, body: 'denied by ext_authz for not found header `x-ext-authz: allow` in the request' };
}

export async function startHttpAuthzServer(): Promise<HttpAuthzServer> {
  const seen: SeenHttpCheck[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state: HttpAuthzServer = {
    port: 0,
    seen,
    respond: defaultHttpDecision,
    pending: () => hanging.size,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const check: SeenHttpCheck = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(check);
      const answer = state.respond(check);
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (state as { port: number }).port = (server.address() as AddressInfo).port;
  return state;
}

/** The CheckRequest as the gRPC server decodes it (proto field names). */
export interface CheckRequestJson {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string; port_value?: number } }; principal?: string; certificate?: string };
    destination?: { address?: { socket_address?: { address?: string; port_value?: number } }; principal?: string };
    request?: { http?: { id?: string; method?: string; path?: string; host?: string; scheme?: string; protocol?: string; headers?: Record<string, string>; body?: string; raw_body?: Buffer; size?: string } };
    context_extensions?: Record<string, string>;
    metadata_context?: { filter_metadata?: Record<string, unknown> };
    tls_session?: { sni?: string };
  };
}

/** How the gRPC server answers: a CheckResponse, a gRPC error status, or no answer. */
export type GrpcAuthzAnswer = { readonly response: Record<string, unknown> } | { readonly grpcError: grpc.status } | 'hang';

/** A running gRPC authorization server. */
export interface GrpcAuthzServer {
  readonly port: number;
  readonly seen: CheckRequestJson[];
  /** `:authority` of each call. */
  readonly authorities: string[];
  respond: (check: CheckRequestJson) => GrpcAuthzAnswer;
  close(): Promise<void>;
}

/** Default decision: header `x-ext-authz: allow` → OK with a header for the upstream; else PERMISSION_DENIED with 403. */
export function defaultGrpcDecision(check: CheckRequestJson): GrpcAuthzAnswer {
  const headers = check.attributes?.request?.http?.headers ?? {};
  if (headers['x-ext-authz'] === 'allow') {
    return { response: { status: { code: 0 }, ok_response: { headers: [{ header: { key: 'x-ext-authz-check-result', value: 'allowed' } }] } } };
  }
  return {
    response: {
      status: { code: grpc.status.PERMISSION_DENIED },
      denied_response: { status: { code: 403 }, body: 'denied by ext_authz (grpc)', headers: [{ header: { key: 'x-ext-authz-check-result', value: 'denied' } }] },
    },
  };
}

export async function startGrpcAuthzServer(): Promise<GrpcAuthzServer> {
  const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', { includeDirs: envoyProtoIncludeDirs(), keepCase: true, longs: String, enums: Number, defaults: false });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } } };
  const server = new grpc.Server();
  const seen: CheckRequestJson[] = [];
  const authorities: string[] = [];
  const hanging = new Set<grpc.ServerUnaryCall<CheckRequestJson, unknown>>();
  const state: GrpcAuthzServer = {
    port: 0,
    seen,
    authorities,
    respond: defaultGrpcDecision,
    close: async () => {
      for (const call of hanging) call.emit('error', new Error('closing'));
      server.forceShutdown();
      await Promise.resolve();
    },
  };
  server.addService(pkg.envoy.service.auth.v3.Authorization.service, {
    Check: (call: grpc.ServerUnaryCall<CheckRequestJson, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      seen.push(call.request);
      authorities.push(call.getHost());
      const answer = state.respond(call.request);
      if (answer === 'hang') {
        hanging.add(call);
        return;
      }
      if ('grpcError' in answer) callback({ code: answer.grpcError, details: 'test server error' });
      else callback(null, answer.response);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  (state as { port: number }).port = port;
  return state;
}
