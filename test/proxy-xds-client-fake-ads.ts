// A scriptable ADS server for the xds-client tests: every request is queued per stream and
// the test answers by hand, so ordering, warming and NACKs can be checked step by step.
import { Server, ServerCredentials, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { envelopeDeserializerOf, packAny, serializerOf, type ProtoJson, type WireAny } from '../src/proxy/xds-client/proto-root.js';
import { jsonToStruct } from '../src/proxy/xds-client/struct-json.js';
import { pino } from 'pino';
import { SnapshotHolder } from '../src/proxy/config/snapshot-holder.js';
import { XdsClient, type XdsClientOptions } from '../src/proxy/xds-client/xds-client.js';

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

function definition(): ServiceDefinition {
  const method = (name: string, req: string, res: string) => ({
    path: `/${SERVICE}/${name}`, requestStream: true, responseStream: true,
    requestSerialize: serializerOf(req), requestDeserialize: envelopeDeserializerOf(req),
    responseSerialize: serializerOf(res), responseDeserialize: envelopeDeserializerOf(res),
  });
  return {
    StreamAggregatedResources: method('StreamAggregatedResources', 'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse'),
    DeltaAggregatedResources: method('DeltaAggregatedResources', 'envoy.service.discovery.v3.DeltaDiscoveryRequest', 'envoy.service.discovery.v3.DeltaDiscoveryResponse'),
  };
}

/** One client stream as the server sees it. */
export class FakeStream {
  readonly requests: ProtoJson[] = [];
  private waiters: Array<{ pred: (r: ProtoJson) => boolean; resolve: (r: ProtoJson) => void }> = [];
  private nonce = 0;
  ended = false;

  constructor(readonly mode: 'sotw' | 'delta', private readonly call: ServerDuplexStream<ProtoJson, ProtoJson>) {
    call.on('data', (r: ProtoJson) => {
      const w = this.waiters.findIndex((x) => x.pred(r));
      if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(r);
      else this.requests.push(r);
    });
    call.on('error', () => { this.ended = true; });
    call.on('end', () => { this.ended = true; });
  }

  /** The next request (of `typeUrl`, when given), consuming it; rejects after `timeoutMs`. */
  next(typeUrl?: string, timeoutMs = 3000, where: (r: ProtoJson) => boolean = () => true): Promise<ProtoJson> {
    const pred = (r: ProtoJson): boolean => (typeUrl === undefined || r.type_url === typeUrl) && where(r);
    const i = this.requests.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.requests.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (r: ProtoJson) => { clearTimeout(t); resolve(r); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${typeUrl ?? ''} request within ${timeoutMs} ms (queued: ${this.requests.map((r) => String(r.type_url)).join(', ')})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** True when no request of `typeUrl` arrives within `ms`. */
  async quiet(typeUrl: string | undefined, ms = 300): Promise<boolean> {
    try {
      await this.next(typeUrl, ms);
      return false;
    } catch {
      return true;
    }
  }

  /** Sends a SotW response; returns its nonce. */
  respond(typeUrl: string, version: string, resources: WireAny[]): string {
    const nonce = `n${++this.nonce}`;
    this.call.write({ type_url: typeUrl, version_info: version, resources, nonce });
    return nonce;
  }

  /** Sends a Delta response; returns its nonce. */
  respondDelta(typeUrl: string, version: string, resources: Array<{ name: string; version: string; resource: WireAny }>, removed: string[] = []): string {
    const nonce = `d${++this.nonce}`;
    this.call.write({ type_url: typeUrl, system_version_info: version, resources, removed_resources: removed, nonce });
    return nonce;
  }
}

/** The server: bind on 127.0.0.1 (port 0 or a given port), hand out streams as they open. */
export class FakeAds {
  private server: Server | undefined;
  readonly streams: FakeStream[] = [];
  private waiters: Array<(s: FakeStream) => void> = [];
  port = 0;

  async start(port = 0, credentials: ServerCredentials = ServerCredentials.createInsecure()): Promise<number> {
    const server = new Server();
    const add = (mode: 'sotw' | 'delta') => (call: ServerDuplexStream<ProtoJson, ProtoJson>): void => {
      const s = new FakeStream(mode, call);
      this.streams.push(s);
      const w = this.waiters.shift();
      if (w) w(s);
    };
    server.addService(definition(), { StreamAggregatedResources: add('sotw'), DeltaAggregatedResources: add('delta') });
    this.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
    return this.port;
  }

  /** The n-th stream (0-based), waiting for it to open. */
  stream(n: number, timeoutMs = 5000): Promise<FakeStream> {
    if (this.streams[n]) return Promise.resolve(this.streams[n]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`stream ${n} did not open within ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        if (this.streams[n]) {
          clearTimeout(t);
          resolve(this.streams[n]);
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.forceShutdown();
  }
}

// ---------------------------------------------------------------- resource builders

const T = 'type.googleapis.com/';
export const ROUTER = { name: 'envoy.filters.http.router', typed_config: packAny('envoy.extensions.filters.http.router.v3.Router', {}) };

export function hcm(extra: ProtoJson): WireAny {
  return packAny('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', { stat_prefix: 'outbound_0.0.0.0_9080', http_filters: [ROUTER], ...extra });
}

export function httpListener(name: string, port: number, rdsName: string): WireAny {
  return packAny('envoy.config.listener.v3.Listener', {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    bind_to_port: { value: false },
    filter_chains: [{ filter_chain_match: { destination_port: { value: port } }, filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm({ rds: { route_config_name: rdsName, config_source: { ads: {} } } }) }] }],
  });
}

export function routeConfig(name: string, cluster: string, extraRoute: ProtoJson = {}): WireAny {
  return packAny('envoy.config.route.v3.RouteConfiguration', {
    name,
    virtual_hosts: [{ name: 'reviews:9080', domains: ['reviews', 'reviews:9080'], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: { seconds: 0, nanos: 0 } }, ...extraRoute }] }],
  });
}

export function edsCluster(name: string, extra: ProtoJson = {}): WireAny {
  return packAny('envoy.config.cluster.v3.Cluster', { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: { seconds: 10 }, ...extra });
}

export function loadAssignment(cluster: string, ips: string[], port: number): WireAny {
  return packAny('envoy.config.endpoint.v3.ClusterLoadAssignment', {
    cluster_name: cluster,
    endpoints: [{
      locality: { region: 'r1', zone: 'z1' },
      load_balancing_weight: { value: ips.length },
      lb_endpoints: ips.map((ip) => ({
        endpoint: { address: { socket_address: { address: ip, port_value: port } } },
        health_status: 'HEALTHY',
        metadata: { filter_metadata: { 'envoy.transport_socket_match': jsonToStruct({ tlsMode: 'istio' }), istio: jsonToStruct({ workload: 'reviews-v1;default;reviews;v1;Kubernetes' }) } },
      })),
    }],
  });
}

/** The ISTIO_MUTUAL upstream TLS socket the controller generates. */
export function istioMutualSocket(sni: string, sans: string[]): ProtoJson {
  const sds = (name: string): ProtoJson => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: packAny('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', {
      sni,
      common_tls_context: {
        tls_certificate_sds_secret_configs: [sds('default')],
        combined_validation_context: {
          default_validation_context: { match_typed_subject_alt_names: sans.map((s) => ({ san_type: 'URI', matcher: { exact: s } })) },
          validation_context_sds_secret_config: sds('ROOTCA'),
        },
        alpn_protocols: ['istio-peer-exchange', 'istio'],
      },
    }),
  };
}

export const TYPES = {
  listener: `${T}envoy.config.listener.v3.Listener`,
  route: `${T}envoy.config.route.v3.RouteConfiguration`,
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  endpoint: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  secret: `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;

/** An XdsClient synced with a fake ADS server on one cluster, its endpoints, a listener and route `9080`. */
export interface SyncedXdsClient {
  client: XdsClient;
  holder: SnapshotHolder;
  s: FakeStream;
  close(): Promise<void>;
}

/**
 * Starts a fake ADS server and an XdsClient (sidecar `node`), answers CDS, EDS (`endpointIp`),
 * LDS (`listener`) and RDS `9080` → `cluster`, and returns once the first snapshot is
 * published and the client has ACKed the listener and route.
 */
export async function syncedXdsClient(node: XdsClientOptions['node'], cluster: string, endpointIp: string, listener: WireAny): Promise<SyncedXdsClient> {
  const ads = new FakeAds();
  const port = await ads.start();
  const holder = new SnapshotHolder();
  const client = new XdsClient({
    address: `127.0.0.1:${port}`, node, holder,
    backoff: { initialMs: 50, maxMs: 200, jitter: 0.2 }, initialFetchTimeoutMs: 5000,
    logger: pino({ level: 'silent' }),
  });
  client.start();
  const s = await ads.stream(0);
  const published = new Promise<void>((resolve) => client.once('snapshot', () => resolve()));
  await s.next(TYPES.cluster);
  s.respond(TYPES.cluster, 'v1', [edsCluster(cluster)]);
  await s.next(TYPES.cluster);
  await s.next(TYPES.endpoint);
  s.respond(TYPES.endpoint, 'v1', [loadAssignment(cluster, [endpointIp], 9080)]);
  await s.next(TYPES.listener);
  s.respond(TYPES.listener, 'v1', [listener]);
  await s.next(TYPES.route);
  s.respond(TYPES.route, 'v1', [routeConfig('9080', cluster)]);
  await published;
  await s.next(TYPES.listener);
  await s.next(TYPES.route);
  return { client, holder, s, close: async () => { client.close(); await ads.stop(); } };
}

/** Sends one response and returns the client's answer: the NACK detail, or undefined for an ACK. */
export async function answer(s: FakeStream, type: string, version: string, resources: WireAny[]): Promise<string | undefined> {
  const nonce = s.respond(type, version, resources);
  const reply = await s.next(type, 3000, (r) => r.response_nonce === nonce);
  const detail = reply.error_detail as ProtoJson | undefined;
  return detail ? String(detail.message) : undefined;
}
