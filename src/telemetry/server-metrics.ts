import type { MetricFamily, MetricSource } from './prometheus-text.js';

/** Envoy's `server.state` values. */
export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';

/** Numeric `envoy_server_state`, as Envoy exports it. */
export const SERVER_STATE_VALUE: Readonly<Record<ServerState, number>> = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 };

/**
 * Envoy's `server.*` gauges (`envoy_server_live`, `_state`, `_uptime`, `_memory_allocated`,
 * `_memory_heap_size`, `_concurrency`), read from the process when scraped.
 */
export class ServerMetrics implements MetricSource {
  private readonly startedMs = Date.now();

  constructor(private readonly state: () => ServerState) {}

  collect(): MetricFamily[] {
    const state = this.state();
    const mem = process.memoryUsage();
    const g = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
    return [
      g('envoy_server_live', '1 when the server is live (not draining, initialized).', state === 'LIVE' ? 1 : 0),
      g('envoy_server_state', 'Server state: 0 LIVE, 1 DRAINING, 2 PRE_INITIALIZING, 3 INITIALIZING.', SERVER_STATE_VALUE[state]),
      g('envoy_server_uptime', 'Seconds since the proxy started.', Math.floor((Date.now() - this.startedMs) / 1000)),
      g('envoy_server_memory_allocated', 'Bytes of JavaScript heap in use.', mem.heapUsed),
      g('envoy_server_memory_heap_size', 'Bytes of JavaScript heap reserved.', mem.heapTotal),
      g('envoy_server_memory_physical_size', 'Resident set size in bytes.', mem.rss),
      // One event loop: the proxy's concurrency is 1 per process.
      g('envoy_server_concurrency', 'Worker threads serving traffic.', 1),
    ];
  }
}
