import { defineKind } from '../kind.js';
import { telemetrySchema } from './schema.js';
import type { TelemetrySpec } from './types.js';
import { validateTelemetry } from './validate.js';

/** Telemetry (telemetry.istio.io): tracing, metrics and access logging per workload. */
export const telemetryKind = defineKind<TelemetrySpec>({
  kind: 'Telemetry',
  group: 'telemetry.istio.io',
  versions: ['v1', 'v1alpha1'],
  plural: 'telemetries',
  shortNames: ['telemetry'],
  namespaced: true,
  spec: telemetrySchema,
  validate: validateTelemetry,
});
