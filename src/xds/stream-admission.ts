import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';

/** The ADS methods whose streams are counted. */
const ADS_PATHS = new Set([
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
]);
/** Default cap on concurrent ADS streams of the plaintext port. */
export const DEFAULT_MAX_PLAINTEXT_STREAMS = 1024;
/**
 * Default cap on plaintext streams still waiting for their first request. A proxy's first
 * request (its node and a subscription) arrives at once and is small; streams that hold back,
 * or send a first message of megabytes, are what a flood looks like.
 */
export const DEFAULT_MAX_PENDING_STREAMS = 64;
const LOG_EVERY_MS = 1000;

/**
 * A cap on concurrent ADS streams of one server, as a grpc-js interceptor that answers on the
 * call's headers: past `max` open streams, or `maxPending` streams that have not delivered
 * their first request yet, a new one ends at once with RESOURCE_EXHAUSTED (proxies retry with
 * backoff). Used on plaintext xDS (15010), whose streams nobody
 * authenticates, so that opening thousands of streams — each may hold a DiscoveryRequest of up
 * to the port's 1 MiB receive limit — cannot grow the controller without bound. 15012 needs none:
 * a stream without a mesh certificate is refused as it opens.
 */
export class StreamAdmission {
  private open = 0;
  private pending = 0;

  constructor(private readonly max: number, private readonly logger: Logger, private readonly maxPending = DEFAULT_MAX_PENDING_STREAMS) {}

  /** Streams open now. */
  get active(): number {
    return this.open;
  }

  /** Open streams whose first request has not arrived. */
  get waitingForFirstRequest(): number {
    return this.pending;
  }

  readonly interceptor: ServerInterceptor = (method, call) => {
    if (!ADS_PATHS.has(method.path)) return new ServerInterceptingCall(call);
    let admitted = false;
    let waiting = false;
    const settle = (): void => {
      if (!waiting) return;
      waiting = false;
      this.pending--;
    };
    const release = (): void => {
      settle();
      if (!admitted) return;
      admitted = false;
      this.open--;
    };
    return new ServerInterceptingCall(call, {
      start: (next) => next({
        onReceiveMetadata: (metadata, nextMetadata) => {
          const full = this.open >= this.max ? `at most ${this.max} streams` : this.pending >= this.maxPending ? `at most ${this.maxPending} streams that have not sent their first request` : undefined;
          if (full) {
            this.logRefusal(call.getPeer());
            call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: `this xDS port serves ${full} at once; retry later, or use the TLS port (15012) with a mesh certificate`, metadata: new Metadata() });
            return;
          }
          this.open++;
          this.pending++;
          admitted = true;
          waiting = true;
          nextMetadata(metadata);
        },
        onReceiveMessage: (message, next) => {
          settle();
          next(message);
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
