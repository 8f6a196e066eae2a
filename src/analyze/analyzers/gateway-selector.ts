import type { Analyzer } from '../analyzer.js';
import { q, stringMap } from '../fields.js';
import { selectorString } from '../labels.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { matchingWorkloads } from '../workloads.js';

/**
 * IST0101 (`selector`) when a Gateway's selector matches no gateway workload in any namespace.
 * The default ingress gateway is assumed present, as in istioctl's files-only mode.
 */
export const gatewaySelectorAnalyzer: Analyzer = {
  name: 'gateway.IngressGatewayPortAnalyzer',
  description: 'Checks that a gateway\'s selector matches gateway workloads',
  analyze(ctx) {
    for (const gw of ctx.list('Gateway')) {
      const selector = stringMap(gw.spec.selector);
      if (Object.keys(selector).length === 0) continue;
      if (matchingWorkloads(ctx.workloads(), selector).length > 0) continue;
      ctx.report(newMessage(MESSAGE_TYPES.ReferencedResourceNotFound, gw, 'spec.selector', 'selector', q(selectorString(selector))));
    }
  },
};
