// The simulated proxies of `npm run bench:controller`, in their own process so that the
// controller's CPU and memory are its own. Driven over IPC by controller-bench.ts.
import { credentials, makeGenericClientConstructor, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { adsServiceDefinition, type ProtoObject } from '../src/xds/protos.js';
import { jsonToStruct } from '../src/xds/struct.js';
import { TYPE_URL } from '../src/xds/type-urls.js';

/** What the bench asks of this process. */
export interface ClientPlan {
  port: number;
  /** Proxyless clients: each watches one service and the shared one. */
  grpcClients: number;
  /** Sidecar-type clients: wildcard CDS and LDS, route `8080`. */
  sidecarClients: number;
  channels: number;
  services: readonly string[];
  shared: string;
}

/** Messages from this process: progress, and each client's ACK of the watched change. */
export type ClientReport = { kind: 'synced'; count: number } | { kind: 'changed'; count: number; lastAckAt: number } | { kind: 'error'; message: string };

type Stream = ClientDuplexStream<ProtoObject, ProtoObject>;
const send = (r: ClientReport): void => void process.send?.(r);

let synced = 0;
let changed = 0;
let lastAckAt = 0;
let watching = false;

/** One simulated proxy: subscribes, ACKs everything, and notes when the watched route changes. */
function runClient(stream: Stream, node: ProtoObject, names: Record<string, string[] | undefined>, watchType: string, total: number): void {
  const acked = new Set<string>();
  let watchedVersion: string | undefined;
  let sawChange = false;
  stream.on('data', (res: ProtoObject) => {
    const type = String(res.type_url);
    stream.write({ type_url: type, version_info: res.version_info, response_nonce: res.nonce, resource_names: names[type] ?? [] });
    if (!acked.has(type)) {
      acked.add(type);
      if (acked.size === Object.keys(names).length && ++synced === total) send({ kind: 'synced', count: synced });
    }
    if (type !== watchType) return;
    const version = String(res.version_info);
    if (!watching) watchedVersion = version;
    else if (!sawChange && version !== watchedVersion) {
      sawChange = true;
      lastAckAt = Math.max(lastAckAt, Date.now());
      if (++changed === total) send({ kind: 'changed', count: changed, lastAckAt });
    }
  });
  stream.on('error', (err: Error) => {
    if (!/CANCELLED/.test(err.message)) send({ kind: 'error', message: err.message });
  });
  let first = true;
  for (const [type, n] of Object.entries(names)) {
    stream.write({ ...(first ? { node } : {}), type_url: type, resource_names: n ?? [] });
    first = false;
  }
}

process.on('message', (msg: ClientPlan | { kind: 'watch' }) => {
  if ('kind' in msg) {
    watching = true;
    return;
  }
  const Ctor = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
  // Separate channel options give separate HTTP/2 connections (grpc-js shares them otherwise).
  const clients = Array.from({ length: msg.channels }, (_, i) => new Ctor(`127.0.0.1:${msg.port}`, credentials.createInsecure(), { 'bench.channel': i, 'grpc.max_receive_message_length': 64 * 1024 * 1024 }) as Client & Record<string, () => Stream>);
  const total = msg.grpcClients + msg.sidecarClients;
  for (let i = 0; i < msg.grpcClients; i++) {
    const mine = `${msg.services[i % msg.services.length]}:8080`;
    const shared = `${msg.shared}:8080`;
    const host = (n: string): string => n.slice(0, n.lastIndexOf(':'));
    const clusters = [`outbound|8080||${host(mine)}`, `outbound|8080||${host(shared)}`];
    const node = { id: `sidecar~198.18.200.${i % 250}~client-${i}.bench~bench.svc.cluster.local`, metadata: jsonToStruct({ GENERATOR: 'grpc', NAMESPACE: 'bench' }), locality: {} };
    runClient(clients[i % clients.length]!.StreamAggregatedResources!(), node,
      { [TYPE_URL.listener]: [mine, shared], [TYPE_URL.route]: [mine, shared], [TYPE_URL.cluster]: clusters, [TYPE_URL.endpoint]: clusters }, TYPE_URL.route, total);
  }
  for (let i = 0; i < msg.sidecarClients; i++) {
    const node = { id: `sidecar~198.18.201.${i}~sidecar-${i}.bench~bench.svc.cluster.local`, metadata: jsonToStruct({ NAMESPACE: 'bench' }), locality: {} };
    runClient(clients[i % clients.length]!.StreamAggregatedResources!(), node, { [TYPE_URL.cluster]: undefined, [TYPE_URL.listener]: undefined, [TYPE_URL.route]: ['8080'] }, TYPE_URL.route, total);
  }
});
process.on('disconnect', () => process.exit(0));
