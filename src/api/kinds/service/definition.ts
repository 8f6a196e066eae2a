import { defineKind } from '../kind.js';
import { serviceSchema } from './schema.js';
import type { ServiceSpec } from './types.js';
import { validateService } from './validate.js';

/** Service (core v1): also selects WorkloadEntries outside Kubernetes, as Istio does for VMs. */
export const serviceKind = defineKind<ServiceSpec>({
  kind: 'Service',
  group: '',
  versions: ['v1'],
  plural: 'services',
  shortNames: ['svc'],
  namespaced: true,
  spec: serviceSchema,
  validate: validateService,
});
