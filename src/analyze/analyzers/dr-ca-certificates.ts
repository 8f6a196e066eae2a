import type { Analyzer } from '../analyzer.js';
import { arr, num, obj, str } from '../fields.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage } from '../message.js';
import { fullName } from '../entry.js';

/** True when TLS settings originate TLS without any way to verify the server. */
function unverified(tls: Record<string, unknown> | undefined): string | undefined {
  const mode = str(tls?.mode);
  if (!tls || (mode !== 'SIMPLE' && mode !== 'MUTUAL')) return undefined;
  if (str(tls.caCertificates) || str(tls.credentialName)) return undefined;
  if (tls.insecureSkipVerify === true) return undefined;
  return mode;
}

/** IST0128 / IST0129: SIMPLE or MUTUAL TLS origination without caCertificates, at rule or port level. */
export const caCertificateAnalyzer: Analyzer = {
  name: 'destinationrule.CaCertificateAnalyzer',
  description: 'Checks if caCertificates is set when TLS mode is SIMPLE/MUTUAL',
  analyze(ctx) {
    for (const dr of ctx.list('DestinationRule')) {
      const policy = obj(dr.spec.trafficPolicy);
      const host = str(dr.spec.host) ?? '';
      const mode = unverified(obj(policy?.tls));
      if (mode) ctx.report(newMessage(MESSAGE_TYPES.NoServerCertificateVerificationDestinationLevel, dr, 'spec.trafficPolicy.tls', fullName(dr), dr.namespace, mode, host));
      arr(policy?.portLevelSettings).forEach((s, i) => {
        const pm = unverified(obj(obj(s)?.tls));
        if (!pm) return;
        const port = num(obj(obj(s)?.port)?.number);
        ctx.report(newMessage(MESSAGE_TYPES.NoServerCertificateVerificationPortLevel, dr, `spec.trafficPolicy.portLevelSettings[${i}].tls`, fullName(dr), dr.namespace, pm, host, port === undefined ? '' : `number:${port}`));
      });
    }
  },
};
