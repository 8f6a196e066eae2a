import { credentials, makeGenericClientConstructor, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { adsServiceDefinition, unpackAny, type ProtoObject } from '../../src/xds/protos.js';
import { jsonToStruct } from '../../src/xds/struct.js';

/** A node as a proxyless client would send it. */
export function testNode(id: string, metadata: Record<string, unknown> = { GENERATOR: 'grpc', NAMESPACE: 'default' }): ProtoObject {
  return { id, metadata: jsonToStruct(metadata), locality: {} };
}

/**
 * A raw ADS stream for tests: a real grpc-js client on the loaded protos, with a queue of
 * responses and a bounded wait for the next one.
 */
export class AdsTestStream {
  private readonly queue: ProtoObject[] = [];
  private waiter: ((r: ProtoObject) => void) | undefined;
  ended = false;

  constructor(readonly stream: ClientDuplexStream<ProtoObject, ProtoObject>) {
    stream.on('data', (r: ProtoObject) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(r);
      } else {
        this.queue.push(r);
      }
    });
    stream.on('error', () => { this.ended = true; });
    stream.on('end', () => { this.ended = true; });
  }

  send(req: ProtoObject): void {
    this.stream.write(req);
  }

  /** The next response, or an error after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<ProtoObject> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(t);
        resolve(r);
      };
    });
  }

  /** Resolves true when nothing arrives for `ms`. */
  async quiet(ms = 400): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): void {
    this.stream.cancel();
  }
}

/** A client of the ADS service on `127.0.0.1:<port>`. */
export class AdsTestClient {
  private readonly client: Client & Record<string, () => ClientDuplexStream<ProtoObject, ProtoObject>>;

  constructor(port: number) {
    const Ctor = makeGenericClientConstructor(adsServiceDefinition(), 'AggregatedDiscoveryService');
    this.client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as never;
  }

  sotw(): AdsTestStream {
    const s = new AdsTestStream(this.client.StreamAggregatedResources!());
    s.stream.on('error', () => undefined);
    return s;
  }

  delta(): AdsTestStream {
    const s = new AdsTestStream(this.client.DeltaAggregatedResources!());
    s.stream.on('error', () => undefined);
    return s;
  }

  close(): void {
    this.client.close();
  }
}

/** Names of the resources in a SotW or delta response (delta resources are wrapped). */
export function resourceNames(res: ProtoObject): string[] {
  const list = (res.resources as ProtoObject[] | undefined) ?? [];
  return list.map((r) => {
    if (typeof r.name === 'string' && r.resource) return r.name;
    const msg = unpackAny(r as { type_url: string; value: Uint8Array });
    return String(msg.name ?? msg.cluster_name ?? '');
  }).sort();
}
