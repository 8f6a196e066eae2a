// The mesh client of the security tests (Istio's `sleep` + curl): runs a list of HTTP or TCP
// calls given as JSON in argv[2] and prints one JSON line of results. In a pod it is started
// inside the client workload's namespace as the app's uid (like `kubectl exec sleep -- curl`);
// in explicit mode it runs on the host and goes through the client workload's sidecar (its
// HTTP proxy port, or a port forward for TCP), which acts with that workload's identity.
// `--serve-env FILE` instead publishes the workload's environment and idles (the explicit
// client workload's app); `--idle` just idles (the pod client workload's app). Every call uses a fresh connection: a policy change must be seen.
import { writeFileSync, renameSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import type * as grpcTypes from '@grpc/grpc-js';

/** One HTTP call, repeated `n` times. `rawPath` is sent as is (no client-side normalisation). */
export interface HttpCall {
  readonly kind: 'http';
  readonly url: string;
  readonly rawPath?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly n?: number;
}

/** One TCP exchange, repeated `n` times: write `message`, read until close or timeout. */
export interface TcpCall {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly message: string;
  readonly n?: number;
}

/** One gRPC unary call, repeated `n` times: envoy.service.auth.v3.Authorization/Check (any gRPC server of the tests). */
export interface GrpcCall {
  readonly kind: 'grpc';
  readonly host: string;
  readonly port: number;
  readonly n?: number;
}

/** One gRPC outcome: the status code (0 = OK) and its details. */
export interface GrpcResult {
  readonly code: number;
  readonly details: string;
}

/** Polls `url` until its status turns from `from` to `to`; prints READY once `from` is seen. */
export interface WatchCall {
  readonly kind: 'watch';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly from: number;
  readonly to: number;
  readonly timeoutMs: number;
}

/** What the client is asked to do; `proxy` (explicit mode) is the sidecar's HTTP proxy. */
export interface ClientSpec {
  readonly calls: ReadonlyArray<HttpCall | TcpCall | GrpcCall>;
  readonly watch?: WatchCall;
  readonly proxy?: string;
}

/** One HTTP response (status 0: no response, `error` says why). */
export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly error?: string;
}

/** One TCP exchange: the bytes echoed and whether the peer closed or reset. */
export interface TcpResult {
  readonly data: string;
  readonly error?: string;
}

const TIMEOUT_MS = 5000;

function httpOnce(call: HttpCall | WatchCall, proxy: string | undefined): Promise<HttpResult> {
  const target = new URL(call.url);
  const path = 'rawPath' in call && call.rawPath !== undefined ? call.rawPath : `${target.pathname}${target.search}`;
  const via = proxy ? new URL(proxy) : undefined;
  return new Promise((resolve) => {
    const req = request({
      host: via ? via.hostname : target.hostname,
      port: Number(via ? via.port : target.port || 80),
      // Through an HTTP proxy the request line carries the absolute URL (what curl sends).
      path: via ? `${target.protocol}//${target.host}${path}` : path,
      method: 'method' in call ? call.method ?? 'GET' : 'GET',
      headers: { host: target.host, ...call.headers },
      agent: false,
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', (e) => resolve({ status: 0, body: '', headers: {}, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', headers: {}, error: e.message }));
    req.end();
  });
}

function tcpOnce(call: TcpCall): Promise<TcpResult> {
  return new Promise((resolve) => {
    let data = '';
    let error: string | undefined;
    const s = connect(call.port, call.host, () => s.write(call.message));
    s.setEncoding('utf8');
    s.setTimeout(TIMEOUT_MS, () => s.destroy(new Error('timeout')));
    s.on('data', (c: string) => {
      data += c;
      if (data.length >= call.message.length) s.end();
    });
    s.on('error', (e) => { error = e.message; });
    s.on('close', () => resolve(error === undefined ? { data } : { data, error }));
  });
}

async function grpcOnce(call: GrpcCall): Promise<GrpcResult> {
  // Loaded only for gRPC calls: the HTTP and TCP clients stay quick to start.
  const grpc = await import('@grpc/grpc-js');
  const protoLoader = await import('@grpc/proto-loader');
  const { envoyProtoIncludeDirs } = await import('../../src/shared/envoy-proto-loader.js');
  const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', { includeDirs: envoyProtoIncludeDirs(), keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { auth: { v3: { Authorization: grpcTypes.ServiceClientConstructor } } } } };
  const client = new pkg.envoy.service.auth.v3.Authorization(`${call.host}:${call.port}`, grpc.credentials.createInsecure());
  try {
    return await new Promise<GrpcResult>((resolve) => {
      const check = client['Check'] as (req: unknown, opts: grpcTypes.CallOptions, cb: (err: grpcTypes.ServiceError | null) => void) => void;
      check.call(client, { attributes: { request: { http: { headers: { 'x-ext-authz-decision': 'allow' } } } } }, { deadline: Date.now() + TIMEOUT_MS }, (err) => {
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
      });
    });
  } finally {
    client.close();
  }
}

async function watch(call: WatchCall, proxy: string | undefined): Promise<{ changedAt: number; polls: number } | { timedOut: true; last: number }> {
  const end = Date.now() + call.timeoutMs;
  let ready = false;
  let polls = 0;
  let last = 0;
  while (Date.now() < end) {
    const r = await httpOnce(call, proxy);
    polls++;
    last = r.status;
    if (!ready && r.status === call.from) {
      ready = true;
      process.stdout.write('READY\n');
    } else if (ready && r.status === call.to) {
      return { changedAt: Date.now(), polls };
    }
    await new Promise((res) => setTimeout(res, 10));
  }
  return { timedOut: true, last };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--idle') {
    setInterval(() => undefined, 1 << 30);
    return;
  }
  if (process.argv[2] === '--serve-env') {
    const file = process.argv[3]!;
    writeFileSync(`${file}.tmp`, JSON.stringify(process.env));
    renameSync(`${file}.tmp`, file);
    setInterval(() => undefined, 1 << 30);
    return;
  }
  const spec = JSON.parse(process.argv[2] ?? '{}') as ClientSpec;
  if (spec.watch) {
    process.stdout.write(`${JSON.stringify(await watch(spec.watch, spec.proxy))}\n`);
    return;
  }
  const results: Array<HttpResult[] | TcpResult[] | GrpcResult[]> = [];
  for (const call of spec.calls) {
    const out: Array<HttpResult | TcpResult | GrpcResult> = [];
    for (let i = 0; i < (call.n ?? 1); i++) {
      out.push(call.kind === 'tcp' ? await tcpOnce(call) : call.kind === 'grpc' ? await grpcOnce(call) : await httpOnce(call, spec.proxy));
    }
    results.push(out as HttpResult[] | TcpResult[] | GrpcResult[]);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

void main();
