import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Sidecar (networking.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const sidecarKind = defineKind<Record<string, unknown>>({
  kind: 'Sidecar',
  group: 'networking.istio.io',
  versions: ['v1', 'v1beta1', 'v1alpha3'],
  plural: 'sidecars',
  shortNames: [],
  namespaced: true,
  spec: any(),
});
