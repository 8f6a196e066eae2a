import type { Reporter } from '../../diagnostic.js';
import { map, message, str, type Schema } from '../../schema/schema.js';

/** networking.istio.io WorkloadSelector (`labels`), used by ServiceEntry, Sidecar and EnvoyFilter. */
export const networkingWorkloadSelectorSchema: Schema = message('WorkloadSelector', () => ({ labels: map(str()) }));

/** istio.type.v1beta1.WorkloadSelector (`matchLabels`), used by ProxyConfig. */
export const matchLabelsSelectorSchema: Schema = message('WorkloadSelector', () => ({ matchLabels: map(str()) }));

/** Options for {@link validateSelectorLabels}. */
export interface SelectorCheckOptions {
  /** Most labels the CRD accepts (256 for networking selectors, 4096 for matchLabels). */
  maxLabels: number;
  /** Warning given when the selector is present but selects on no label. */
  emptyWarning: string;
}

/**
 * Rules Istio applies to workload selector labels: no empty keys, no wildcards, values at
 * most 63 characters. Label syntax itself is not checked (Istio does not either).
 * `labels` is undefined when the selector has no labels field at all.
 */
export function validateSelectorLabels(labels: Record<string, unknown> | undefined, at: Reporter, opts: SelectorCheckOptions): void {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) {
    at.warn(opts.emptyWarning);
    return;
  }
  if (entries.length > opts.maxLabels) at.error(`a selector may have at most ${opts.maxLabels} labels, got ${entries.length}`);
  for (const [key, raw] of entries) {
    const value = String(raw);
    if (key === '') at.error(`empty label key is not supported in a selector ("${key}=${value}")`);
    if (key.includes('*') || value.includes('*')) at.at(key).error(`wildcards are not supported in a selector ("${key}=${value}")`);
    if (value.length > 63) at.at(key).error(`selector label value must be at most 63 characters, got ${value.length}`);
  }
}
