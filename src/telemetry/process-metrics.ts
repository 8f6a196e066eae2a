import type { MetricFamily, MetricSource } from './prometheus-text.js';

const startTimeSeconds = Math.floor(Date.now() / 1000 - process.uptime());

/**
 * The standard `process_*` families Prometheus client libraries export, read from Node:
 * CPU seconds (user + system), resident memory, heap size and start time.
 */
export class ProcessMetrics implements MetricSource {
  collect(): MetricFamily[] {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    return [
      { name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
      { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: mem.rss }] },
      { name: 'nodejs_heap_used_bytes', help: 'V8 heap in use, in bytes.', type: 'gauge', samples: [{ value: mem.heapUsed }] },
      { name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', type: 'gauge', samples: [{ value: startTimeSeconds }] },
    ];
  }
}
