// A test external authorization server (like Istio's ext-authz sample, with our own names),
// serving Envoy's HTTP check protocol on the first port and the gRPC
// envoy.service.auth.v3.Authorization/Check on the second. The decision comes from the
// request header x-ext-authz-decision: "allow" → allowed, with x-ext-authz-result added for
// the upstream; "throttle" → denied with 429; anything else → denied with 403. Denials carry
// x-ext-authz-result and the body "denied by test-ext-authz (<protocol>)".
// Usage: node security-ext-authz-app.js HTTP_PORT,GRPC_PORT
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { envoyProtoIncludeDirs } from '../../src/shared/envoy-proto-loader.js';
import { appListenPorts } from './security-app-ports.js';

/** The header the test server decides on, and the one it sets. */
export const DECISION_HEADER = 'x-ext-authz-decision';
export const RESULT_HEADER = 'x-ext-authz-result';

function decide(value: string | undefined): { allow: boolean; status: number } {
  if (value === 'allow') return { allow: true, status: 200 };
  return { allow: false, status: value === 'throttle' ? 429 : 403 };
}

const [httpPort, grpcPort] = appListenPorts(process.argv[2]);

if (httpPort) {
  createServer((req, res) => {
    req.resume();
    const header = req.headers[DECISION_HEADER];
    const d = decide(Array.isArray(header) ? header[0] : header);
    if (d.allow) {
      res.writeHead(200, { [RESULT_HEADER]: `allowed-http ${req.method} ${req.url}` });
      res.end();
      return;
    }
    res.writeHead(d.status, { [RESULT_HEADER]: 'denied-http', 'content-type': 'text/plain' });
    res.end('denied by test-ext-authz (http)');
  }).listen(httpPort.port, httpPort.host);
}

interface CheckRequest { attributes?: { request?: { http?: { headers?: Record<string, string>; path?: string; method?: string } } } }

if (grpcPort) {
  const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', { includeDirs: envoyProtoIncludeDirs(), keepCase: true, longs: String, enums: String, defaults: false });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } } };
  const server = new grpc.Server();
  server.addService(pkg.envoy.service.auth.v3.Authorization.service, {
    Check: (call: grpc.ServerUnaryCall<CheckRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const http = call.request.attributes?.request?.http ?? {};
      const d = decide(http.headers?.[DECISION_HEADER]);
      if (d.allow) {
        callback(null, { status: { code: 0 }, ok_response: { headers: [{ header: { key: RESULT_HEADER, value: `allowed-grpc ${http.method ?? ''} ${http.path ?? ''}` } }] } });
        return;
      }
      callback(null, {
        status: { code: 7 },
        denied_response: { status: { code: d.status }, body: 'denied by test-ext-authz (grpc)', headers: [{ header: { key: RESULT_HEADER, value: 'denied-grpc' } }] },
      });
    },
  });
  server.bindAsync(`${grpcPort.host}:${grpcPort.port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) throw err;
  });
}
