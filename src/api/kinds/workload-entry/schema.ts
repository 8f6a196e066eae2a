import { map, message, str, uint32, type Schema } from '../../schema/schema.js';

/** WorkloadEntry spec; reused for ServiceEntry `endpoints[]` and WorkloadGroup `template`. */
export const workloadEntrySchema: Schema = message('WorkloadEntry', () => ({
  address: str(),
  ports: map(uint32()),
  labels: map(str()),
  network: str(),
  locality: str(),
  weight: uint32(),
  serviceAccount: str(),
}));
