import type { MetricFamily, MetricSource } from '../telemetry/prometheus-text.js';
import type { ConfigStore } from './store.js';

/**
 * Size of the config store by kind (`plexus_config_objects{kind}`), kept current from the
 * store's watch so a scrape never lists the store.
 */
export class StoreMetrics implements MetricSource {
  private readonly counts = new Map<string, number>();
  private readonly keys = new Set<string>();
  private unwatch: (() => void) | undefined;

  constructor(private readonly store: ConfigStore) {}

  async start(): Promise<void> {
    this.unwatch = this.store.watch((e) => {
      const k = `${e.resource.kind}/${e.resource.metadata.namespace ?? ''}/${e.resource.metadata.name}`;
      if (e.type === 'deleted') {
        if (this.keys.delete(k)) this.add(e.resource.kind, -1);
      } else if (!this.keys.has(k)) {
        this.keys.add(k);
        this.add(e.resource.kind, 1);
      }
    });
    for (const r of await this.store.list()) {
      const k = `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
      if (this.keys.has(k)) continue;
      this.keys.add(k);
      this.add(r.kind, 1);
    }
  }

  private add(kind: string, by: number): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + by);
  }

  /** Objects in the store. */
  total(): number {
    return this.keys.size;
  }

  stop(): void {
    this.unwatch?.();
  }

  collect(): MetricFamily[] {
    const samples = [...this.counts].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)).map(([kind, value]) => ({ labels: { kind }, value }));
    return [{ name: 'plexus_config_objects', help: 'Config objects in the store, by kind.', type: 'gauge', samples }];
  }
}
