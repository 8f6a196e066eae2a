import type { Resource } from '../api/resource.js';
import type { AdminApi } from './workload-entry.js';

interface ServicePortSpec { name?: string; port?: number; number?: number; targetPort?: number | string }

function selects(selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * The names of the service ports that reach `port` on a workload with `labels`: ports of the
 * Services (selector) and ServiceEntries (workloadSelector) of its namespace whose target port
 * is `port` (the port itself when no target is given). A
 * WorkloadEntry's `ports` map is keyed by these names, which is how explicit mode tells
 * peers the workload's allocated port instead of the declared one.
 */
export async function servicePortNames(admin: AdminApi, namespace: string, labels: Readonly<Record<string, string>>, port: number): Promise<string[]> {
  const names = new Set<string>();
  const consider = (items: Resource[], selectorOf: (spec: Record<string, unknown>) => Record<string, string> | undefined, portOf: (p: ServicePortSpec) => number | undefined): void => {
    for (const item of items) {
      const spec = (item.spec ?? {}) as Record<string, unknown>;
      if (!selects(selectorOf(spec), labels)) continue;
      for (const p of (spec.ports ?? []) as ServicePortSpec[]) {
        // A named target port cannot be told apart from the declared numbers: not mapped.
        if (typeof p.targetPort === 'string') continue;
        if ((typeof p.targetPort === 'number' ? p.targetPort : portOf(p)) === port && p.name) names.add(p.name);
      }
    }
  };
  const services = await admin.list('Service', namespace).catch(() => ({ items: [] as Resource[] }));
  consider(services.items, (spec) => spec.selector as Record<string, string> | undefined, (p) => p.port);
  const entries = await admin.list('ServiceEntry', namespace).catch(() => ({ items: [] as Resource[] }));
  consider(entries.items, (spec) => (spec.workloadSelector as { labels?: Record<string, string> } | undefined)?.labels, (p) => p.number);
  return [...names].sort();
}
