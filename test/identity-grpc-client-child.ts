// A proxyless gRPC client with xDS security, in its own process (grpc-js-xds reads its
// bootstrap once per process): XdsChannelCredentials use the TLS settings the control plane
// sends in CDS (certificate provider instances from the bootstrap, SAN matchers) and fall back
// to plaintext for clusters without them. Driven over IPC like test/support/xds-client-child.ts.
import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { EchoClient, type EchoReply } from './support/echo-service.js';
import type { CallBatch, CallResult } from './support/xds-client-protocol.js';

grpcXds.register();
const target = process.env.PLEXUS_TEST_TARGET ?? '';
const client = new EchoClient(target, new grpcXds.XdsChannelCredentials(credentials.createInsecure())) as unknown as {
  Who(req: unknown, md: Metadata, opts: unknown, cb: (err: ServiceError | null, res?: EchoReply) => void): void;
};

function call(): Promise<CallResult> {
  return new Promise((resolve) => {
    client.Who({ caller: 'identity-test' }, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) => resolve(err ? { code: err.code, details: err.details } : { server: res!.server }));
  });
}

process.on('message', (msg: CallBatch) => {
  void (async () => {
    const out: CallResult[] = [];
    const c = msg.concurrency ?? 20;
    for (let i = 0; i < msg.n; i += c) out.push(...(await Promise.all(Array.from({ length: Math.min(c, msg.n - i) }, () => call()))));
    process.send?.({ id: msg.id, results: out });
  })();
});
process.on('disconnect', () => process.exit(0));
