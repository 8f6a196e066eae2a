import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';

/** The ADS methods whose streams are counted. */
const ADS_PATHS = new Set([
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
]);
/** Default cap on concurrent ADS streams of the plaintext port. */
export const DEFAULT_MAX_PLAINTEXT_STREAMS = 1024;
const LOG_EVERY_MS = 1000;

/**
 * A cap on concurrent ADS streams of one server, as a grpc-js interceptor that answers on the
 * call's headers: past `max` open streams a new one ends at once with RESOURCE_EXHAUSTED
 * (proxies retry with backoff). Used on plaintext xDS (15010), whose streams nobody
 * authenticates, so that opening thousands of streams — each may hold a DiscoveryRequest of up
 * to the 4 MiB receive limit — cannot grow the controller without bound. 15012 needs none:
 * a stream without a mesh certificate is refused as it opens.
 */
export class StreamAdmission {
  private open = 0;

  constructor(private readonly max: number, private readonly logger: Logger) {}

  /** Streams open now. */
  get active(): number {
    return this.open;
  }

  readonly interceptor: ServerInterceptor = (method, call) => {
    if (!ADS_PATHS.has(method.path)) return new ServerInterceptingCall(call);
    let admitted = false;
    const release = (): void => {
      if (!admitted) return;
      admitted = false;
      this.open--;
    };
    return new ServerInterceptingCall(call, {
      start: (next) => next({
        onReceiveMetadata: (metadata, nextMetadata) => {
          if (this.open >= this.max) {
            this.logRefusal(call.getPeer());
            call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: `this xDS port serves at most ${this.max} streams at once; retry later, or use the TLS port (15012) with a mesh certificate`, metadata: new Metadata() });
            return;
          }
          this.open++;
          admitted = true;
          nextMetadata(metadata);
        },
        onCancel: release,
      }),
      sendStatus: (s, next) => {
        release();
        next(s);
      },
    });
  };

  private lastLog = 0;
  private suppressed = 0;

  private logRefusal(peer: string): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ peer, max: this.max, suppressedSinceLast: this.suppressed }, 'refused an ADS stream: too many open on this port');
    this.lastLog = now;
    this.suppressed = 0;
  }
}
