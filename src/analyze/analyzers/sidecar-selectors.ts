import type { Analyzer } from '../analyzer.js';
import { obj, stringMap } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { checkDefaultSelectors, checkSelectors } from './workload-selectors.js';

/** IST0101 when a Sidecar's workloadSelector matches no workload; IST0110 when workloads are selected by several Sidecars. */
export const sidecarSelectorAnalyzer: Analyzer = {
  name: 'sidecar.SelectorAnalyzer',
  description: 'Validates that sidecars that define a workload selector match at least one workload, and that no workload is selected by several sidecars',
  analyze(ctx) {
    checkSelectors(ctx, ctx.list('Sidecar'), (e) => {
      const ws = obj(e.spec.workloadSelector);
      return ws ? { labels: stringMap(ws.labels), path: 'spec.workloadSelector.labels' } : undefined;
    }, MESSAGE_TYPES.ConflictingSidecarWorkloadSelectors);
  },
};

/** IST0111: more than one Sidecar without a workloadSelector in a namespace. */
export const sidecarDefaultSelectorAnalyzer: Analyzer = {
  name: 'sidecar.DefaultSelectorAnalyzer',
  description: 'Validates that there aren\'t multiple sidecar resources that have no selector',
  analyze(ctx) {
    checkDefaultSelectors(ctx, ctx.list('Sidecar'), (e) => obj(e.spec.workloadSelector) !== undefined, MESSAGE_TYPES.MultipleSidecarsWithoutWorkloadSelectors);
  },
};
