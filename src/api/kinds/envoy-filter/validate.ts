import type { Reporter } from '../../diagnostic.js';
import { intValue } from '../gateway/enum-value.js';
import { validateSelectorLabels } from '../workload-entry/workload-selector.js';
import { validateTargetRefs } from './target-refs.js';
import type { EnvoyFilterSpec } from './types.js';
import { validateConfigPatch } from './validate-patch.js';

/** Rules of Istio's EnvoyFilter webhook and CRD, plus its analyzer's advice. `at` points at `spec`. */
export function validateEnvoyFilter(spec: EnvoyFilterSpec, at: Reporter): void {
  // Istio attaches this warning to every EnvoyFilter.
  at.warn('EnvoyFilter patches generated proxy configuration whose shape may change between releases; prefer the other APIs and re-test on every upgrade');
  if (spec.workloadSelector) {
    validateSelectorLabels(spec.workloadSelector.labels, at.at('workloadSelector').at('labels'), {
      maxLabels: 256,
      emptyWarning: 'workloadSelector has no labels, so the filter applies to every workload in the namespace',
    });
  }
  if (spec.targetRefs) {
    validateTargetRefs(spec.targetRefs, at.at('targetRefs'));
    if (spec.workloadSelector) at.error('only one of targetRefs or workloadSelector can be set');
  }
  const priority = intValue(spec.priority);
  (spec.configPatches ?? []).forEach((cp, i) => validateConfigPatch(cp, priority, at.at('configPatches').at(i)));
}
