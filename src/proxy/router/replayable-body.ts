import { Readable } from 'node:stream';

/**
 * A request body that can be sent more than once while it stays small. The body streams to
 * the current attempt as it arrives (with backpressure: the downstream is paused while the
 * attempt's stream is full); a copy is kept up to `limit` bytes so a retry or a mirror can
 * replay it. Past the limit the copy is dropped and only the first attempt gets the body —
 * Envoy's rule: no buffer, no retry.
 */
export class ReplayableBody {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private overflowed = false;
  private ended = false;
  private failed: Error | undefined;
  private current: Readable | undefined;
  private opened = 0;
  private readonly completion: Promise<void>;
  private resolveCompletion!: () => void;

  constructor(
    private readonly source: Readable,
    private readonly limit: number,
    private readonly onBytes: (n: number) => void = () => undefined,
    private readonly highWaterMark = 64 * 1024,
  ) {
    this.completion = new Promise((resolve) => (this.resolveCompletion = resolve));
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => this.onEnd());
    source.on('error', (err) => this.onError(err));
    source.on('close', () => {
      if (!this.ended) this.onError(new Error('downstream closed before the request body ended'));
    });
    source.pause();
  }

  /** True while every byte received so far is still held, so another attempt can replay it. */
  get replayable(): boolean {
    return !this.overflowed && this.failed === undefined;
  }

  /** Resolves once the whole body has arrived (or failed): the route timeout starts there. */
  get complete(): Promise<void> {
    return this.completion;
  }

  /** The whole body, when it ended and fit the limit (mirrors use this). */
  get whole(): Buffer | undefined {
    return this.ended && !this.overflowed ? Buffer.concat(this.chunks) : undefined;
  }

  /**
   * A fresh stream for one attempt: the held chunks, then whatever arrives. Opening another
   * detaches the previous one. Throws if the body can no longer be replayed.
   */
  open(): Readable {
    if (this.opened > 0 && !this.replayable) throw new Error('request body is not replayable');
    this.opened++;
    const previous = this.current;
    this.current = undefined;
    previous?.destroy();
    const stream = new Readable({
      highWaterMark: this.highWaterMark,
      read: () => {
        if (this.current === stream && !this.ended) this.source.resume();
      },
    });
    for (const chunk of this.chunks) stream.push(chunk);
    if (this.failed) stream.destroy(this.failed);
    else if (this.ended) stream.push(null);
    this.current = stream;
    return stream;
  }

  /** Stops feeding the current attempt (it failed or was abandoned). */
  detach(): void {
    this.current = undefined;
    if (!this.ended) this.source.pause();
  }

  private onData(chunk: Buffer): void {
    this.onBytes(chunk.length);
    if (!this.overflowed) {
      this.buffered += chunk.length;
      if (this.buffered > this.limit) {
        this.overflowed = true;
        this.chunks = [];
      } else {
        this.chunks.push(chunk);
      }
    }
    const target = this.current;
    if (!target) {
      this.source.pause();
      return;
    }
    if (!target.push(chunk)) this.source.pause();
  }

  private onEnd(): void {
    this.ended = true;
    this.current?.push(null);
    this.resolveCompletion();
  }

  private onError(err: Error): void {
    if (this.ended || this.failed) return;
    this.failed = err;
    this.current?.destroy(err);
    this.resolveCompletion();
  }
}
