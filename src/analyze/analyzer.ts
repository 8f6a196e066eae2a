import type { AnalysisContext } from './context.js';

/** One check over the whole configuration, named like Istio's (`virtualservice.GatewayAnalyzer`). */
export interface Analyzer {
  name: string;
  description: string;
  analyze(ctx: AnalysisContext): void;
}
