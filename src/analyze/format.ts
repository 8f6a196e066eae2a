import { stringify } from 'yaml';
import { messageText, originName, reference, renderMessage, type AnalysisMessage } from './message.js';

/** Output formats of `plexus analyze -o`. */
export const OUTPUT_FORMATS = ['log', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where each code is explained; the codes are Istio's, so are the pages. */
export function documentationUrl(code: string): string {
  return `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/?ref=istioctl-analyze`;
}

/** A message as istioctl's json/yaml output shows it (keys in the same, alphabetical, order). */
export function messageObject(m: AnalysisMessage): Record<string, string> {
  const out: Record<string, string> = { code: m.type.code, documentationUrl: documentationUrl(m.type.code), level: m.type.level, message: messageText(m) };
  const origin = originName(m);
  if (origin) out.origin = origin;
  const ref = reference(m);
  if (ref) out.reference = ref;
  return out;
}

/** Renders messages; `log` gives one line each, json and yaml a list of objects. */
export function formatMessages(messages: readonly AnalysisMessage[], format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(messages.map(messageObject), null, '\t');
  if (format === 'yaml') return messages.length === 0 ? '[]\n' : stringify(messages.map(messageObject));
  return messages.map(renderMessage).join('\n');
}
