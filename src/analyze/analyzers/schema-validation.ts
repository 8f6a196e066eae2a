import { validateResource } from '../../api/validate.js';
import type { Analyzer } from '../analyzer.js';
import { MESSAGE_TYPES } from '../message-types.js';
import { newMessage, type AnalysisMessage } from '../message.js';
import type { ResourceEntry } from '../entry.js';

const UNREACHABLE = /^virtualService rule (\S+) not used \((.+)\)$/;
const INEFFECTIVE = /^virtualService rule (\S+) match (.+?) is not used \(duplicate\/overlapping match in rule (.+)\)$/;

/** Like Istio, validation warnings about unreachable rules get their own codes (IST0130, IST0131). */
function warningMessage(e: ResourceEntry, path: string, text: string): AnalysisMessage {
  const u = UNREACHABLE.exec(text);
  if (u) return newMessage(MESSAGE_TYPES.VirtualServiceUnreachableRule, e, path, u[1], u[2]);
  const m = INEFFECTIVE.exec(text);
  if (m) return newMessage(MESSAGE_TYPES.VirtualServiceIneffectiveMatch, e, path, m[1], m[2], m[3]);
  return newMessage(MESSAGE_TYPES.SchemaWarning, e, path, path ? `${path}: ${text}` : text);
}

/**
 * Runs Plexus's validation (what the validating webhook would reject) on every resource:
 * each error becomes IST0106 and each warning IST0133 (IST0130/IST0131 for unreachable rules),
 * at the offending field's line.
 * Kinds Plexus does not know at all (ServiceAccount, ...) are not Istio's concern and are skipped.
 */
export const schemaValidationAnalyzer: Analyzer = {
  name: 'schema.ValidationAnalyzer',
  description: 'Runs schema and semantic validation on every resource',
  analyze(ctx) {
    for (const e of ctx.entries) {
      if (e.synthetic) continue;
      const result = validateResource(e.resource);
      if (!result.definition && result.diagnostics.some((d) => d.path === 'kind' && d.message.startsWith('unknown kind'))) continue;
      for (const d of result.diagnostics) {
        if (d.severity === 'error') ctx.report(newMessage(MESSAGE_TYPES.SchemaValidationError, e, d.path, d.path ? `${d.path}: ${d.message}` : d.message));
        else ctx.report(warningMessage(e, d.path, d.message));
      }
    }
  },
};
