import { defineKind } from '../kind.js';
import { any } from '../../schema/schema.js';

/** Telemetry (telemetry.istio.io). Placeholder schema: accepts any spec until its rules land. */
export const telemetryKind = defineKind<Record<string, unknown>>({
  kind: 'Telemetry',
  group: 'telemetry.istio.io',
  versions: ['v1', 'v1alpha1'],
  plural: 'telemetries',
  shortNames: ['telemetry'],
  namespaced: true,
  spec: any(),
});
