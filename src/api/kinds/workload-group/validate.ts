import type { Reporter } from '../../diagnostic.js';
import { validateLabels } from '../../validation/common.js';
import { validateWorkloadFields } from '../workload-entry/workload-fields.js';
import type { WorkloadGroupSpec } from './types.js';
import { validateReadinessProbe } from './validate-probe.js';

/** Rules of Istio's WorkloadGroup webhook and CRD. `at` points at `spec`. */
export function validateWorkloadGroup(spec: WorkloadGroupSpec, at: Reporter): void {
  if (!spec.template) {
    at.at('template').error('template is required');
    return;
  }
  // Address and the like are filled in when a workload registers, so only the CRD's
  // structural rules apply to the template.
  validateWorkloadFields(spec.template, at.at('template'), { level: 'crd', allowHostname: true });

  const meta = spec.metadata;
  if (meta) {
    const labels = meta.labels ?? {};
    if (Object.keys(labels).length > 256) at.at('metadata').at('labels').error('at most 256 labels are allowed');
    validateLabels(labels, at.at('metadata').at('labels'));
    const annotations = meta.annotations ?? {};
    if (Object.keys(annotations).length > 256) at.at('metadata').at('annotations').error('at most 256 annotations are allowed');
  }
  if (spec.probe) validateReadinessProbe(spec.probe, at.at('probe'));
}
