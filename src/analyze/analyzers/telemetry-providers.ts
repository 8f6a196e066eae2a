import type { Analyzer } from '../analyzer.js';
import { arr, obj, q } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/** IST0157: access logging with no providers while the mesh sets no default access-log provider. */
export const telemetryProviderAnalyzer: Analyzer = {
  name: 'telemetry.ProviderAnalyzer',
  description: 'Validates that providers in telemetry resource is valid',
  analyze(ctx) {
    if (arr(obj(ctx.mesh.spec.defaultProviders)?.accessLogging).length > 0) return;
    for (const t of ctx.list('Telemetry')) {
      arr(t.spec.accessLogging).forEach((l, i) => {
        if (arr(obj(l)?.providers).length === 0) ctx.report(newMessage(MESSAGE_TYPES.InvalidTelemetryProvider, t, `spec.accessLogging[${i}]`, t.name, q(t.namespace)));
      });
    }
  },
};
