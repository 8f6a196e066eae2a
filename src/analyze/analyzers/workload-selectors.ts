import type { AnalysisContext } from '../context.js';
import { fullName, type ResourceEntry } from '../entry.js';
import { q } from '../fields.js';
import { selectorString } from '../labels.js';
import type { MessageType } from '../message-types.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { matchingWorkloads } from '../workloads.js';

/** How a kind states its workload selector. */
export interface SelectorView {
  labels: Record<string, string>;
  /** Path of the selector's labels, for the line. */
  path: string;
}

/**
 * Shared by the Sidecar and Telemetry analyzers: a selector that matches no workload in its
 * namespace is IST0101 (`selector`), and a workload selected by several resources gets
 * `conflict` on each of them.
 */
export function checkSelectors(
  ctx: AnalysisContext,
  resources: readonly ResourceEntry[],
  selectorOf: (e: ResourceEntry) => SelectorView | undefined,
  conflict: MessageType,
): void {
  if (!ctx.hasWorkloads()) return;
  const byWorkload = new Map<string, { name: string; namespace: string; list: ResourceEntry[] }>();
  for (const e of resources) {
    const sel = selectorOf(e);
    if (!sel || Object.keys(sel.labels).length === 0) continue;
    const found = matchingWorkloads(ctx.workloads(), sel.labels, e.namespace);
    if (found.length === 0) {
      ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, e, sel.path, 'selector', q(selectorString(sel.labels))));
      continue;
    }
    for (const w of found) {
      const key = `${w.kind}|${w.namespace}|${w.name}`;
      const slot = byWorkload.get(key) ?? { name: w.name, namespace: w.namespace, list: [] };
      slot.list.push(e);
      byWorkload.set(key, slot);
    }
  }
  for (const { name, namespace, list } of byWorkload.values()) {
    if (list.length < 2) continue;
    const names = `[${list.map(fullName).join(' ')}]`;
    for (const e of list) ctx.report(newMessage(conflict, e, 'metadata.name', names, q(namespace), q(name)));
  }
}

/** Reports `type` on every resource of a namespace when more than one of them has no selector. */
export function checkDefaultSelectors(ctx: AnalysisContext, resources: readonly ResourceEntry[], hasSelector: (e: ResourceEntry) => boolean, type: MessageType): void {
  const byNamespace = new Map<string, ResourceEntry[]>();
  for (const e of resources) {
    if (hasSelector(e)) continue;
    byNamespace.set(e.namespace, [...(byNamespace.get(e.namespace) ?? []), e]);
  }
  for (const [ns, list] of byNamespace) {
    if (list.length < 2) continue;
    const names = `[${list.map(fullName).join(' ')}]`;
    for (const e of list) ctx.report(newMessage(type, e, 'metadata.name', names, q(ns)));
  }
}
