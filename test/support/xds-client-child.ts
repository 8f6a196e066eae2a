// A proxyless gRPC client in its own process: grpc-js-xds reads its bootstrap once per
// process and keeps internal timers after a channel closes, so tests run it here and kill it.
// Driven over IPC: {id, target?, n, headers, concurrency} → {id, results}.
import { Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { EchoClient, type EchoReply } from './echo-service.js';
import type { CallBatch, CallResult } from './xds-client-protocol.js';

grpcXds.register();
const target = process.env.PLEXUS_TEST_TARGET ?? '';
const client = new EchoClient(target, credentials.createInsecure()) as unknown as {
  Who(req: unknown, md: Metadata, opts: unknown, cb: (err: ServiceError | null, res?: EchoReply) => void): void;
  close(): void;
};

function call(headers: Record<string, string>): Promise<CallResult> {
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return new Promise((resolve) => {
    client.Who({ caller: 'test' }, md, { deadline: new Date(Date.now() + 5000) }, (err, res) => resolve(err ? { code: err.code, details: err.details } : { server: res!.server }));
  });
}

process.on('message', (msg: CallBatch) => {
  void (async () => {
    const out: CallResult[] = [];
    const c = msg.concurrency ?? 50;
    for (let i = 0; i < msg.n; i += c) out.push(...(await Promise.all(Array.from({ length: Math.min(c, msg.n - i) }, () => call(msg.headers ?? {})))));
    process.send?.({ id: msg.id, results: out });
  })();
});
process.on('disconnect', () => process.exit(0));
