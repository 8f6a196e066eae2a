import type { ResourceEntry } from './entry.js';
import { arr, obj, stringMap, str } from './fields.js';
import { selectorMatches } from './labels.js';

/** Something a selector can pick: a Pod, a WorkloadEntry, or the pod template of a workload controller. */
export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  entry: ResourceEntry;
}

/** Controllers whose pod template stands in for pods that files rarely contain. */
const CONTROLLERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The workloads a resource stands for (none for most kinds). */
export function workloadsOf(e: ResourceEntry): Workload[] {
  if (e.kind === 'Pod' && e.group === '') return [{ kind: 'Pod', name: e.name, namespace: e.namespace, labels: e.labels, entry: e }];
  if (e.kind === 'WorkloadEntry') {
    return [{ kind: 'WorkloadEntry', name: e.name, namespace: e.namespace, labels: { ...e.labels, ...stringMap(e.spec.labels) }, entry: e }];
  }
  if (CONTROLLERS.has(e.kind)) {
    const template = obj(e.spec.template);
    const labels = stringMap(obj(template?.metadata)?.labels);
    return [{ kind: e.kind, name: e.name, namespace: e.namespace, labels, entry: e }];
  }
  return [];
}

/** Workloads in `namespace` (or anywhere, when undefined) whose labels the selector matches. */
export function matchingWorkloads(all: readonly Workload[], selector: Record<string, string>, namespace?: string): Workload[] {
  return all.filter((w) => (namespace === undefined || w.namespace === namespace) && selectorMatches(selector, w.labels));
}

/** Inline endpoints of a ServiceEntry, with their labels (they are workloads too). */
export function serviceEntryEndpointLabels(spec: Record<string, unknown>): Record<string, string>[] {
  return arr(spec.endpoints).map((ep) => stringMap(obj(ep)?.labels));
}

/** True when a Pod lists a container named istio-proxy or carries the injection status annotation. */
export function podHasProxy(e: ResourceEntry): boolean {
  if (e.annotations['sidecar.istio.io/status']) return true;
  return arr(e.spec.containers).some((c) => str(obj(c)?.name) === 'istio-proxy');
}
