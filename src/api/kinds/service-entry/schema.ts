import { enumOf, list, message, str, uint32, type Schema } from '../../schema/schema.js';
import { workloadEntrySchema } from '../workload-entry/schema.js';
import { networkingWorkloadSelectorSchema } from '../workload-entry/workload-selector.js';
import { SERVICE_ENTRY_LOCATIONS, SERVICE_ENTRY_RESOLUTIONS } from './types.js';

/** A ServiceEntry port (also the Sidecar listener port shape, minus semantics). */
export const servicePortSchema: Schema = message('ServicePort', () => ({
  number: uint32(),
  protocol: str(),
  name: str(),
  targetPort: uint32(),
}));

/** ServiceEntry spec. */
export const serviceEntrySchema: Schema = message('ServiceEntry', () => ({
  hosts: list(str()),
  addresses: list(str()),
  ports: list(servicePortSchema),
  location: enumOf(...SERVICE_ENTRY_LOCATIONS),
  resolution: enumOf(...SERVICE_ENTRY_RESOLUTIONS),
  endpoints: list(workloadEntrySchema),
  workloadSelector: networkingWorkloadSelectorSchema,
  exportTo: list(str()),
  subjectAltNames: list(str()),
}));
