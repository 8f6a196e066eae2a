import { credentials, makeGenericClientConstructor, type ChannelCredentials, type Client, type ClientDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { envelopeDeserializerOf, serializerOf, type ProtoJson } from './proto-root.js';

/** How to reach the controller's ADS. */
export interface AdsServerAddress {
  /** `host:port` (15010 plaintext, 15012 TLS). */
  readonly address: string;
  /** TLS: the roots that sign the controller's certificate, and our client certificate (PEM). */
  readonly tls?: {
    readonly rootCaPem: string;
    readonly certChainPem?: string;
    readonly privateKeyPem?: string;
    /** Name to verify the server certificate against, when it is not the address's host. */
    readonly serverName?: string;
  };
}

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** The ADS client-side definition on the proxy's own protos. */
function adsDefinition(): ServiceDefinition {
  const method = (name: string, req: string, res: string) => ({
    path: `/${SERVICE}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: serializerOf(req),
    requestDeserialize: envelopeDeserializerOf(req),
    responseSerialize: serializerOf(res),
    responseDeserialize: envelopeDeserializerOf(res),
  });
  return {
    StreamAggregatedResources: method('StreamAggregatedResources', 'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse'),
    DeltaAggregatedResources: method('DeltaAggregatedResources', 'envoy.service.discovery.v3.DeltaDiscoveryRequest', 'envoy.service.discovery.v3.DeltaDiscoveryResponse'),
  };
}

/** A bidirectional ADS stream carrying decoded envelopes (resources stay packed). */
export type AdsCall = ClientDuplexStream<ProtoJson, ProtoJson>;

/**
 * The gRPC channel to the controller. One channel lives as long as the xds-client; each
 * (re)connect opens a new stream on it, and grpc-js re-dials the channel underneath.
 */
export class AdsTransport {
  private readonly client: Client & Record<string, (...args: unknown[]) => AdsCall>;

  constructor(server: AdsServerAddress) {
    let creds: ChannelCredentials = credentials.createInsecure();
    const options: Record<string, string | number> = {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      // Notice a controller that vanished without closing the connection.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    };
    if (server.tls) {
      const t = server.tls;
      creds = credentials.createSsl(Buffer.from(t.rootCaPem), t.privateKeyPem ? Buffer.from(t.privateKeyPem) : null, t.certChainPem ? Buffer.from(t.certChainPem) : null);
      if (t.serverName) {
        options['grpc.ssl_target_name_override'] = t.serverName;
        options['grpc.default_authority'] = t.serverName;
      }
    }
    const Ctor = makeGenericClientConstructor(adsDefinition(), 'AggregatedDiscoveryService');
    this.client = new Ctor(server.address, creds, options) as unknown as Client & Record<string, (...args: unknown[]) => AdsCall>;
  }

  /** Opens a state-of-the-world or delta stream. */
  open(mode: 'sotw' | 'delta'): AdsCall {
    return mode === 'delta' ? this.client.DeltaAggregatedResources!() : this.client.StreamAggregatedResources!();
  }

  close(): void {
    this.client.close();
  }
}
