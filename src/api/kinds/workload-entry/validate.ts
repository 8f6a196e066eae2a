import type { Reporter } from '../../diagnostic.js';
import type { WorkloadEntrySpec } from './types.js';
import { validateWorkloadFields } from './workload-fields.js';

/** Rules of Istio's WorkloadEntry webhook and CRD. `at` points at `spec`. */
export function validateWorkloadEntry(spec: WorkloadEntrySpec, at: Reporter): void {
  // Without a ServiceEntry, a DNS name is allowed: the entry may back a DNS-resolved service.
  validateWorkloadFields(spec, at, { level: 'full', allowHostname: true });
}
