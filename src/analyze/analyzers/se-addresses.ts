import type { Analyzer } from '../analyzer.js';
import { arr, obj, str } from '../fields.js';
import { proxyMetadata } from '../mesh.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';

/**
 * IST0134: a ServiceEntry without addresses has TCP (or unset-protocol) ports, which the proxy
 * cannot tell apart without a VIP, unless the mesh auto-allocates addresses through DNS capture.
 */
export const protocolAddressesAnalyzer: Analyzer = {
  name: 'serviceentry.Analyzer',
  description: 'Checks the validity of ServiceEntry',
  analyze(ctx) {
    const autoAllocate = proxyMetadata(ctx.mesh, 'ISTIO_META_DNS_CAPTURE') === 'true' && proxyMetadata(ctx.mesh, 'ISTIO_META_DNS_AUTO_ALLOCATE') === 'true';
    if (autoAllocate) return;
    for (const se of ctx.list('ServiceEntry')) {
      if (se.spec.addresses !== undefined && se.spec.addresses !== null) continue;
      arr(se.spec.ports).forEach((p, i) => {
        const protocol = str(obj(p)?.protocol) ?? '';
        if (protocol === '' || protocol.toUpperCase() === 'TCP') ctx.report(newMessage(MESSAGE_TYPES.ServiceEntryAddressesRequired, se, `spec.ports[${i}]`));
      });
    }
  },
};
