/** Timing of {@link Debouncer}: Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX defaults. */
export interface DebounceOptions {
  /** Flush after this long without a new event (ms). Default 100. */
  quietMs?: number;
  /** Flush at the latest this long after the first pending event (ms). Default 1000. */
  maxMs?: number;
}

/**
 * Merges a burst of events into one flush: waits for `quietMs` of silence, but never holds
 * the first event longer than `maxMs`. Flushes never overlap; events that arrive while a
 * flush runs are merged into the next one.
 */
export class Debouncer<E> {
  private pending: E | undefined;
  private firstAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly quietMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly merge: (a: E, b: E) => E,
    private readonly flush: (merged: E) => Promise<void> | void,
    options: DebounceOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 100;
    this.maxMs = options.maxMs ?? 1000;
  }

  /** Adds an event to the pending batch. */
  push(event: E): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.pending === undefined) {
      this.pending = event;
      this.firstAt = now;
    } else {
      this.pending = this.merge(this.pending, event);
    }
    this.schedule(now);
  }

  private schedule(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.quietMs, this.firstAt + this.maxMs - now));
    this.timer = setTimeout(() => void this.fire(), wait);
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    if (this.running) {
      // One flush at a time: try again when the current one finishes.
      await this.running;
      if (this.pending !== undefined && !this.timer) this.schedule(Date.now());
      return;
    }
    const batch = this.pending;
    if (batch === undefined) return;
    this.pending = undefined;
    this.running = Promise.resolve().then(() => this.flush(batch)).finally(() => { this.running = undefined; });
    await this.running;
  }

  /** Flushes whatever is pending now, skipping the wait. */
  async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) await this.running;
    await this.fire();
  }

  /** Drops pending events and stops the timer. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
