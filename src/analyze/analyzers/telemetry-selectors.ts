import type { Analyzer } from '../analyzer.js';
import type { ResourceEntry } from '../entry.js';
import { arr, obj, stringMap } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { checkDefaultSelectors, checkSelectors } from './workload-selectors.js';

function targeted(e: ResourceEntry): boolean {
  return obj(e.spec.targetRef) !== undefined || arr(e.spec.targetRefs).length > 0;
}

/** IST0101 when a Telemetry's selector matches no workload; IST0159 when workloads are selected by several Telemetries. */
export const telemetrySelectorAnalyzer: Analyzer = {
  name: 'telemetry.SelectorAnalyzer',
  description: 'Validates that telemetries that define a selector match at least one workload, and that no workload is selected by several telemetries',
  analyze(ctx) {
    checkSelectors(ctx, ctx.list('Telemetry'), (e) => {
      const sel = obj(e.spec.selector);
      return sel ? { labels: stringMap(sel.matchLabels), path: 'spec.selector.matchLabels' } : undefined;
    }, MESSAGE_TYPES.ConflictingTelemetryWorkloadSelectors);
  },
};

/** IST0160: more than one Telemetry without a selector (or targetRef) in a namespace. */
export const telemetryDefaultSelectorAnalyzer: Analyzer = {
  name: 'telemetry.DefaultSelectorAnalyzer',
  description: 'Validates that there aren\'t multiple telemetry resources that have no selector',
  analyze(ctx) {
    checkDefaultSelectors(ctx, ctx.list('Telemetry'), (e) => obj(e.spec.selector) !== undefined || targeted(e), MESSAGE_TYPES.MultipleTelemetriesWithoutWorkloadSelectors);
  },
};
