import { pino, type Logger } from 'pino';
import { discoverJwksUri, fetchWithRetry, jwksProblem } from './fetch-jwks.js';

/** Where an issuer's keys come from: its jwksUri, or OpenID discovery when that is empty. */
export interface JwksSource {
  readonly issuer: string;
  /** Empty: discover it from `<issuer>/.well-known/openid-configuration`. */
  readonly jwksUri: string;
  /** The rule's fetch timeout (istiod's default 5 s). */
  readonly timeoutMs: number;
}

/** What generators ask of the cache; synchronous, so generation stays a pure function. */
export interface JwksLookup {
  /** The fetched JWKS document, or undefined while it is unknown or could not be fetched. */
  lookup(source: JwksSource): string | undefined;
}

/** Options of {@link JwksResolver}; the defaults are istiod's. */
export interface JwksResolverOptions {
  /** Re-fetch every key set this often (istiod: PILOT_JWT_PUB_KEY_REFRESH_INTERVAL, 20 min). */
  readonly refreshIntervalMs?: number;
  /** First retry after a failed fetch; doubles up to the refresh interval. */
  readonly retryMs?: number;
  /** Forget key sets no config has asked for in this long (istiod: 24 h). */
  readonly evictionMs?: number;
  /** Attempts per fetch before it counts as failed. */
  readonly attempts?: number;
  /** Called when a key set changed, so that proxies get it (a full push). */
  readonly onChange?: (reason: string) => void;
  readonly logger?: Logger;
}

interface Entry {
  /** Replaced when a rule changes its timeout (as istiod keeps the latest). */
  source: JwksSource;
  /** The last good document; kept when a refresh fails. */
  jwks: string | undefined;
  error: string | undefined;
  failures: number;
  /** A generator asked while no key set was known (it inlined the unverifiable one): push on success. */
  missed: boolean;
  lastUsed: number;
  nextRefreshAt: number;
  inflight: Promise<void> | undefined;
}

const DEFAULT_REFRESH_MS = 20 * 60_000;
/** The longest a push waits for first fetches; slower key sets arrive with a later push. */
const MAX_PREFETCH_WAIT_MS = 1000;
const DEFAULT_EVICTION_MS = 24 * 3_600_000;

function keyOf(s: JwksSource): string {
  return `${s.issuer}\n${s.jwksUri}`;
}

/**
 * The controller's JWKS cache, as istiod's jwks resolver: fetches each (issuer, jwksUri) once,
 * hands the document to generators synchronously, refreshes every 20 minutes (failures retried
 * sooner, with backoff), keeps the last good key set when a refresh fails, asks for a push when
 * a key set changes, and forgets sets unused for a day. A fetch failure is logged with its
 * reason and never thrown at callers.
 */
export class JwksResolver implements JwksLookup {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly evictionMs: number;
  private readonly attempts: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: JwksResolverOptions = {}) {
    this.refreshMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
    this.retryMs = options.retryMs ?? 1000;
    this.evictionMs = options.evictionMs ?? DEFAULT_EVICTION_MS;
    this.attempts = options.attempts ?? 3;
    // stderr, as the controller's own log: stdout stays for command output.
    this.log = options.logger ?? pino({ name: 'jwks', level: process.env.PLEXUS_LOG_LEVEL ?? 'info' }, pino.destination(2));
  }

  lookup(source: JwksSource): string | undefined {
    const entry = this.entries.get(keyOf(source)) ?? this.create(source);
    this.touch(entry, source);
    // Not known yet (a fetch still running, or failing): the caller inlines the unverifiable
    // set, and the first success asks for a push.
    if (entry.jwks === undefined) entry.missed = true;
    return entry.jwks;
  }

  /**
   * A frozen view for one push context, so that every proxy of a push gets the same key sets
   * even if a refresh lands meanwhile (that refresh asks for its own push). Sources the view
   * has not seen are looked up live.
   */
  snapshot(): JwksLookup {
    const docs = new Map<string, string | undefined>();
    for (const [k, e] of this.entries) docs.set(k, e.jwks);
    return {
      lookup: (source) => {
        const key = keyOf(source);
        if (!docs.has(key)) return this.lookup(source);
        const doc = docs.get(key);
        const live = this.entries.get(key);
        if (live) {
          live.lastUsed = Date.now();
          if (doc === undefined) {
            // Fetched after this view was taken: the next push carries it.
            if (live.jwks !== undefined) this.options.onChange?.('jwks');
            else live.missed = true;
          }
        }
        return doc;
      },
    };
  }

  /**
   * Fetches every source not yet known and waits for them, at most for the longest of their
   * timeouts and never over a second: a slow issuer delays a push that long once, and its
   * success pushes again.
   */
  async prefetch(sources: Iterable<JwksSource>): Promise<void> {
    const pending: Promise<unknown>[] = [];
    let capMs = 0;
    for (const s of sources) {
      const entry = this.entries.get(keyOf(s)) ?? this.create(s);
      this.touch(entry, s);
      // Only first fetches hold a push back; a refresh in flight serves the last good set.
      if (entry.inflight && entry.jwks === undefined && entry.failures === 0) {
        pending.push(entry.inflight);
        // A little past the timeout, so a fetch that times out is reported before the build,
        // but never more than a second: other config changes in the same push must not wait.
        capMs = Math.max(capMs, Math.min(s.timeoutMs + 250, MAX_PREFETCH_WAIT_MS));
      }
    }
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((r) => {
      timer = setTimeout(r, capMs);
      timer.unref();
    });
    await Promise.race([Promise.all(pending), cap]);
    clearTimeout(timer);
  }

  /** Refreshes every key set now (tests, and an operator's nudge); resolves when done. */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.refresh(e)));
  }

  /** The state of one source, for debug output and tests. */
  status(source: JwksSource): { readonly jwks: string | undefined; readonly error: string | undefined; readonly failures: number } | undefined {
    const e = this.entries.get(keyOf(source));
    return e ? { jwks: e.jwks, error: e.error, failures: e.failures } : undefined;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private touch(entry: Entry, source: JwksSource): void {
    entry.lastUsed = Date.now();
    if (entry.source.timeoutMs !== source.timeoutMs) entry.source = source;
  }

  /** A new entry whose first fetch starts now. */
  private create(source: JwksSource): Entry {
    const entry: Entry = { source, jwks: undefined, error: undefined, failures: 0, missed: false, lastUsed: Date.now(), nextRefreshAt: 0, inflight: undefined };
    this.entries.set(keyOf(source), entry);
    void this.refresh(entry);
    return entry;
  }

  /** One fetch of one entry; asks for a push when the document a proxy was sent changes. */
  private refresh(entry: Entry): Promise<void> {
    if (entry.inflight) return entry.inflight;
    const run = async (): Promise<void> => {
      const { issuer, jwksUri, timeoutMs } = entry.source;
      const before = entry.jwks;
      try {
        const uri = jwksUri !== '' ? jwksUri : await discoverJwksUri(issuer, timeoutMs, this.attempts);
        const text = await fetchWithRetry(uri, timeoutMs, this.attempts);
        const problem = jwksProblem(text);
        if (problem) throw new Error(`${uri}: ${problem}`);
        entry.jwks = text;
        entry.error = undefined;
        entry.failures = 0;
        entry.nextRefreshAt = Date.now() + this.refreshMs;
        if (before !== text && (before !== undefined || entry.missed)) {
          this.log.info({ issuer, jwksUri: uri }, before === undefined ? 'JWKS fetched; pushing' : 'JWKS changed; pushing');
          this.options.onChange?.('jwks');
        }
        entry.missed = false;
      } catch (err) {
        entry.failures++;
        entry.error = (err as Error).message;
        entry.nextRefreshAt = Date.now() + Math.min(this.retryMs * 2 ** (entry.failures - 1), this.refreshMs);
        this.log.warn(
          { issuer, jwksUri: jwksUri || '(OpenID discovery)', failures: entry.failures, err: entry.error },
          entry.jwks === undefined
            ? 'cannot fetch the JWKS: tokens of this issuer fail verification until a retry succeeds'
            : 'cannot refresh the JWKS: the last fetched key set stays in use',
        );
      } finally {
        entry.inflight = undefined;
        this.schedule();
      }
    };
    entry.inflight = run();
    return entry.inflight;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    let next = Infinity;
    for (const e of this.entries.values()) if (!e.inflight) next = Math.min(next, e.nextRefreshAt);
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [key, e] of this.entries) {
      if (now - e.lastUsed > this.evictionMs) {
        this.entries.delete(key);
        continue;
      }
      if (!e.inflight && e.nextRefreshAt <= now) void this.refresh(e);
    }
    this.schedule();
  }
}
